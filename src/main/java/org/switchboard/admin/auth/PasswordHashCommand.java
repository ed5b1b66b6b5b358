package org.switchboard.admin.auth;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code deploy/run --hash-password}: reads a password (from the terminal without echo, asked twice, or as the
 * first line of standard input when that is not a terminal) and prints its {@link PasswordHash} for
 * {@code admin.password-hash}. The password never appears on a command line.
 */
public final class PasswordHashCommand {

    private PasswordHashCommand() {
    }

    public static void main(String[] args) throws IOException {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : PasswordHash.DEFAULT_ITERATIONS;
        char[] password = read();
        if (password == null || password.length == 0) {
            System.err.println("Switchboard: no password given");
            System.exit(2);
        }
        System.out.println(PasswordHash.of(password, iterations).encoded());
        Arrays.fill(password, '\0');
    }

    private static char[] read() throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Again: ");
            if (first == null || !Arrays.equals(first, second)) {
                System.err.println("Switchboard: the two passwords differ");
                System.exit(2);
            }
            return first;
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return line == null ? null : line.toCharArray();
    }
}
