package org.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven by Selenium through Debian's chromedriver (both named explicitly, so Selenium
 * Manager never looks anything up), with nothing in the background that would reach for the internet.
 */
public final class HeadlessChromium {

    private HeadlessChromium() {
    }

    /** A browser with a fresh profile in {@code profile}; the test is skipped (or fails in CI) without Chromium. */
    public static WebDriver start(Path profile) {
        Optional<Path> chromium = Peers.find("chromium", Path.of("/usr/bin/chromium"));
        Optional<Path> chromedriver = Peers.find("chromedriver", Path.of("/usr/bin/chromedriver"));
        Peers.require(chromium.isPresent() && chromedriver.isPresent(),
                "chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.get().toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** Saves what the browser shows as {@code target/screenshots/NAME.png}; the saved file. */
    public static Path screenshot(WebDriver browser, String name) throws IOException {
        Path screenshots = Path.of(System.getProperty("switchboard.basedir", "."), "target", "screenshots");
        Files.createDirectories(screenshots);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        return Files.copy(shot.toPath(), screenshots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
