package org.switchboard.testing;

import java.util.concurrent.TimeUnit;
import org.restcomm.commons.statistics.reporter.RestcommStatsReporter;

/**
 * Does what Restcomm's dispatcher does with its statistics reporter when nothing stops it: start it,
 * then stop it (which reports once). Run under {@link OutboundConnectionRecorder} to show that the
 * recorder sees the attempt, so that a test finding no attempt means something.
 */
public final class StatisticsSenderProbe {

    private StatisticsSenderProbe() {
    }

    public static void main(String[] args) {
        // The dispatcher counts into this registry; the reporter sends one post per metric.
        RestcommStatsReporter.getMetricRegistry().counter("RequestsProcessed").inc();
        RestcommStatsReporter reporter = new RestcommStatsReporter();
        reporter.setRemoteServer("https://statistics.restcomm.com/rest/");
        reporter.setProjectName("sipservlets");
        reporter.setProjectType("community");
        reporter.setVersion("3.2.0-37");
        reporter.start(86400, TimeUnit.SECONDS);
        try {
            reporter.stop();
        } catch (RuntimeException e) {
            System.err.println("probe: " + e);
        }
    }
}
