package org.switchboard.deploy;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Timer;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.restcomm.commons.statistics.reporter.RestcommStatsReporter;

/**
 * Stands in for Restcomm's usage-statistics reporter, which posts to an internet host when the
 * dispatcher starts and stops (and daily), whatever {@code gatherStatistics} says. This one never
 * schedules, never reports and never sends.
 */
final class NoStatisticsReporter extends RestcommStatsReporter {

    @Override
    public void start(long period, TimeUnit unit) {
        // never scheduled
    }

    @Override
    public void stop() {
        // the original reports once more on stop; nothing to send here
    }

    @Override
    public void report() {
        // nothing is ever sent
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void report(SortedMap<String, Gauge> gauges, SortedMap<String, Counter> counters,
            SortedMap<String, Histogram> histograms, SortedMap<String, Meter> meters, SortedMap<String, Timer> timers) {
        // nothing is ever sent
    }
}
