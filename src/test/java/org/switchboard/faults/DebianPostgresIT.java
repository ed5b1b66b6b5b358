package org.switchboard.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.DebianPostgres;

/** The fault suite's database proved first: Debian's PostgreSQL started, stopped and started again on the same data. */
class DebianPostgresIT {

    @BeforeAll
    static void installed() {
        DebianPostgres.assumeInstalled();
    }

    @Test
    void keepsItsRowsAcrossAStopAndAStart() throws Exception {
        try (DebianPostgres postgres = DebianPostgres.start()) {
            try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (v INT)");
                s.execute("INSERT INTO t VALUES (42)");
            }
            postgres.stop();
            assertFalse(postgres.isRunning());
            assertThrows(SQLException.class, postgres::connect, "a stopped server refuses connections");
            postgres.startAgain();
            try (Connection c = postgres.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t")) {
                rs.next();
                assertEquals(42, rs.getInt(1));
            }
        }
    }
}
