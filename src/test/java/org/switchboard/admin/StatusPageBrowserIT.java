package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.HeadlessChromium;
import org.switchboard.testing.RunningSwitchboard;

/**
 * The status page in a real browser: Debian's chromium, headless, driven by Selenium through Debian's chromedriver
 * (both named explicitly, so Selenium Manager never looks anything up). Logs in, finds the configured presence view
 * with its state, presses "Refresh all presence views" (a write with the page's CSRF token), and saves a screenshot.
 */
class StatusPageBrowserIT {

    @TempDir
    Path work;

    @TempDir
    Path profile;

    @Test
    void the_status_page_logs_in_and_shows_the_configured_presence_view_with_its_state() throws Exception {
        int nobody = FreePorts.udpAndTcp(); // the Front End next hop does not listen: the view waits for a retry
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(AdminLogin.configSection() + """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - {name: fe, next-hop: "sip:127.0.0.1:%d;transport=tcp"}
                presence:
                  views: {retry-delays-seconds: [3600, 3600, 3600]}
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings: {targets: ["sip:bob@example.com"]}
                """.formatted(nobody)).start()) {
            WebDriver browser = HeadlessChromium.start(profile);
            try {
                // The page redraws its tables on every poll: an element found may be replaced before it is read.
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
                wait.ignoring(StaleElementReferenceException.class);
                browser.get(server.http("/status").toString());
                browser.findElement(By.id("username")).sendKeys(AdminLogin.USER);
                browser.findElement(By.id("password")).sendKeys(AdminLogin.PASSWORD);
                browser.findElement(By.id("log-in")).click();

                wait.until(b -> b.findElement(By.cssSelector("#presence-views tbody")).getText().contains("sip:bob@example.com"));
                String row = browser.findElement(By.cssSelector("#presence-views tbody tr")).getText();
                assertThat(row).contains("monitor").contains("persistent").contains("sip:bob@example.com");
                assertThat(browser.findElement(By.cssSelector("#presence-views td.state")).getText())
                        .isIn("SUBSCRIBING", "WAITING_FOR_RETRY");
                assertThat(browser.findElement(By.id("registrations")).getText()).isEqualTo("no endpoint registers");
                assertThat(browser.findElement(By.id("xmpp")).getText()).isEqualTo("not configured");
                assertThat(browser.findElement(By.id("endpoints")).getText()).contains("sip:monitor@example.com");

                browser.findElement(By.id("refresh-all")).click();
                wait.until(b -> b.findElement(By.id("notice")).getText().contains("forced refresh of 1 targets queued"));
                wait.until(b -> b.findElement(By.cssSelector("#presence-views td.state")).getText().equals("WAITING_FOR_RETRY"));

                assertThat(Files.size(HeadlessChromium.screenshot(browser, "status-page"))).isPositive();
            } finally {
                browser.quit();
            }
            assertThat(server.stdout() + server.stderr()).contains("Status page: login from")
                    .contains("Status page: forced refresh of all presence views (1 targets, paced)");
        }
    }
}
