package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Failed logins are limited per client address in the running server: after ten wrong passwords within a minute
 * (over HTTP Basic or the login form), the client is refused with 429 without its password being checked — the
 * right one included — until the minute is over. A runner of its own, since the whole test class is one client.
 */
class LoginThrottleIT {

    @TempDir
    Path work;

    @Test
    void ten_wrong_passwords_and_the_client_is_refused_even_with_the_right_one() throws Exception {
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(AdminLogin.configSection()).start()) {
            assertThat(get(server, AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).statusCode()).isEqualTo(200);
            for (int i = 0; i < 5; i++) {
                assertThat(get(server, AdminLogin.basic(AdminLogin.USER, "wrong" + i)).statusCode()).isEqualTo(401);
                assertThat(AdminLogin.postForm(server, AdminLogin.USER, "wrong-form" + i).statusCode()).isEqualTo(401);
            }

            HttpResponse<String> refused = get(server, AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD));
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.body()).contains("Too many failed logins");
            HttpResponse<String> form = AdminLogin.postForm(server, AdminLogin.USER, AdminLogin.PASSWORD);
            assertThat(form.statusCode()).isEqualTo(429);
            assertThat(server.stderr()).contains("failed login from");
        }
    }

    private static HttpResponse<String> get(RunningSwitchboard server, String authorization) throws Exception {
        return AdminLogin.send(AdminLogin.request(server.http("/api/status")).header("Authorization", authorization).build());
    }
}
