package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.HeadlessChromium;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;

/**
 * The web console in a real browser (Debian's Chromium, headless): the operator opens the console, is sent to the
 * login form, logs in, opens Switchboard's configuration MBean in hawtio's JMX tree, changes the bulk subscribe pace
 * from 50 to 2 a second, and invokes the platform's forced refresh of all presence views (each waiting for a retry
 * after its first SUBSCRIBE was refused): the ten new SUBSCRIBEs reach the presence server (a JAIN-SIP peer) at the
 * new pace, where the first ten went out together. The
 * container's own dispatcher MBean is in the tree too. After a restart the changed pace is still in force.
 */
class ConsoleBrowserIT {

    private static final String CONFIGURATION_NODE = "root-org.switchboard-Configuration-/switchboard";
    private static final String PLATFORM_NODE = "root-org.switchboard-Platform-/switchboard";
    private static final int TARGETS = 10;

    @TempDir
    Path work;

    @TempDir
    Path profile;

    @Test
    void an_operator_changes_the_bulk_subscribe_pace_in_the_console_and_the_wire_follows_it_also_after_a_restart() throws Exception {
        try (SipPresencePeer presenceServer = SipPresencePeer.udp()) {
            presenceServer.autoAnswer(false); // each first SUBSCRIBE is refused below: the views wait for a retry
            List<String> targets = IntStream.range(0, TARGETS).mapToObj(i -> "\"sip:user" + i + "@example.com\"").toList();
            RunningSwitchboard.Launch launch = RunningSwitchboard.in(work).console().configText(AdminLogin.configSection() + """
                    topology:
                      front-end-pool: fe
                      front-end-pools:
                        - {name: fe, next-hop: "%s"}
                    presence:
                      views: {retry-delays-seconds: [3600, 3600, 3600]}
                    endpoints:
                      - aor: sip:monitor@example.com
                        bean: presence-monitor
                        settings: {targets: %s}
                    """.formatted(presenceServer.nextHop(), targets));
            try (RunningSwitchboard server = launch.start()) {
                List<ReceivedSubscribe> initial = awaitSubscribes(presenceServer, List.of(), TARGETS);
                assertThat(span(initial)).as("the first SUBSCRIBEs at 50 a second").isLessThan(Duration.ofMillis(1500));
                for (ReceivedSubscribe subscribe : initial) {
                    presenceServer.answer(subscribe, 503);
                }

                WebDriver browser = HeadlessChromium.start(profile);
                try {
                    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                    wait.ignoring(StaleElementReferenceException.class);
                    browser.get(server.http("/").resolve("/hawtio/").toString());
                    wait.until(b -> b.getCurrentUrl().contains("/switchboard/status?next=console"));
                    browser.findElement(By.id("username")).sendKeys(AdminLogin.USER);
                    browser.findElement(By.id("password")).sendKeys(AdminLogin.PASSWORD);
                    browser.findElement(By.id("log-in")).click();

                    open(browser, wait, "root-org.switchboard", "root-org.switchboard-Configuration", CONFIGURATION_NODE);
                    wait.until(b -> cell(b, "Presence views bulk subscribes per second")).click();
                    WebElement value = wait.until(b -> b.findElement(By.cssSelector("[name=attributeEditor] textarea#attribute-value")));
                    value.clear();
                    value.sendKeys("2");
                    browser.findElement(By.cssSelector(".modal-footer .btn-primary")).click();
                    wait.until(b -> b.getPageSource().contains("Updated attribute PresenceViewsBulkSubscribesPerSecond"));

                    open(browser, wait, "root-org.switchboard-Platform", PLATFORM_NODE);
                    wait.until(b -> b.findElement(By.linkText("Operations"))).click();
                    wait.until(b -> b.findElement(By.xpath("//div[contains(@class,'list-group-item-heading')][contains(.,'refreshAllPresenceViews()')]"))).click();
                    wait.until(b -> b.findElement(By.xpath("//button[contains(.,'Execute')]"))).click();
                    // The operation answers how many targets it queued for a refresh.
                    wait.until(b -> b.findElement(By.xpath("//pre[normalize-space(.)='" + TARGETS + "']")));
                    assertThat(Files.size(HeadlessChromium.screenshot(browser, "console-operation"))).isPositive();

                    // The container's own MBeans are there too: Restcomm's dispatcher and its timers.
                    open(browser, wait, "root-Switchboard", "root-Switchboard-SipApplicationDispatcher");
                    wait.until(b -> b.findElement(By.linkText("Attributes"))).click(); // hawtio stays on the tab last shown
                    wait.until(b -> cell(b, "Base timer interval"));
                    assertThat(Files.size(HeadlessChromium.screenshot(browser, "console-dispatcher"))).isPositive();
                } finally {
                    browser.quit();
                }

                // The forced refresh of a view waiting for a retry subscribes again at once, paced:
                // ten at two a second, the last one 4.5 s after the first.
                List<ReceivedSubscribe> refreshes = awaitSubscribes(presenceServer, initial, TARGETS);
                assertThat(span(refreshes)).as("the refreshes at 2 a second").isGreaterThan(Duration.ofMillis(3500));
                assertThat(server.stderr()).contains("Configuration changed at run time: presence.views.bulk-subscribes-per-second = 2");
            }
            assertThat(Files.readString(work.resolve("switchboard.changes.yaml"))).contains("presence.views.bulk-subscribes-per-second: 2");

            try (RunningSwitchboard again = launch.start()) {
                String value = AdminLogin.send(AdminLogin.request(again.http("/").resolve(
                        "/hawtio/jolokia/read/org.switchboard:type=Configuration,context=!%22!/switchboard!%22/PresenceViewsBulkSubscribesPerSecond"))
                        .header("Authorization", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).GET().build()).body();
                assertThat(value).as("read through the console's Jolokia after the restart").contains("\"value\":2");
            }
        }
    }

    /** Expands the JMX tree down to the last node and selects it. */
    private static void open(WebDriver browser, WebDriverWait wait, String... nodes) {
        for (int i = 0; i < nodes.length; i++) {
            String id = nodes[i];
            WebElement node = wait.until(b -> b.findElement(By.id(id)));
            if (i < nodes.length - 1) {
                if (!node.findElements(By.cssSelector(".expand-icon.fa-angle-right")).isEmpty()) {
                    node.findElement(By.cssSelector(".expand-icon")).click();
                }
            } else {
                node.click();
            }
        }
    }

    private static WebElement cell(WebDriver browser, String text) {
        return browser.findElement(By.xpath("//td[normalize-space(.)='" + text + "']"));
    }

    /**
     * The first SUBSCRIBE of each of {@code count} new Call-IDs (retransmissions over UDP left out), leaving out the
     * Call-IDs in {@code seen}.
     */
    private static List<ReceivedSubscribe> awaitSubscribes(SipPresencePeer peer, List<ReceivedSubscribe> seen, int count) throws InterruptedException {
        Set<String> before = seen.stream().map(ReceivedSubscribe::callId).collect(Collectors.toSet());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, ReceivedSubscribe> firsts = new LinkedHashMap<>();
            peer.subscribes().stream().filter(s -> !before.contains(s.callId())).forEach(s -> firsts.putIfAbsent(s.callId(), s));
            if (firsts.size() >= count) {
                List<ReceivedSubscribe> found = List.copyOf(firsts.values()).subList(0, count);
                assertThat(found).allMatch(s -> !s.inDialog(), "each a new SUBSCRIBE");
                return found;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + count + " new SUBSCRIBEs in 30 s: " + peer.subscribes());
    }

    private static Duration span(List<ReceivedSubscribe> subscribes) {
        return Duration.between(subscribes.get(0).at(), subscribes.get(subscribes.size() - 1).at());
    }
}
