package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.switchboard.arquillian.FreePorts;

class PortCheckTest {

    @Test
    void free_addresses_pass() {
        int port = FreePorts.udpAndTcp();
        assertThat(PortCheck.firstUnavailable(List.of(ListenAddress.sip("127.0.0.1", port, "udp"),
                ListenAddress.sip("127.0.0.1", port, "tcp")))).isEmpty();
    }

    @Test
    void a_taken_udp_port_is_named_with_its_transport_and_role() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            ListenAddress sipUdp = ListenAddress.sip("127.0.0.1", taken.getLocalPort(), "udp");
            assertThat(PortCheck.firstUnavailable(List.of(sipUdp))).hasValueSatisfying(u -> {
                assertThat(u.address()).isEqualTo(sipUdp);
                assertThat(u.reason()).isEqualTo("address already in use");
                assertThat(u.address().toString()).isEqualTo("127.0.0.1:" + taken.getLocalPort() + "/udp (SIP)");
            });
        }
    }

    @Test
    void a_taken_tcp_port_is_found_after_free_ones() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int free = FreePorts.udpAndTcp();
            ListenAddress http = ListenAddress.http("127.0.0.1", taken.getLocalPort());
            assertThat(PortCheck.firstUnavailable(List.of(ListenAddress.sip("127.0.0.1", free, "udp"), http)))
                    .hasValueSatisfying(u -> assertThat(u.address()).isEqualTo(http));
        }
    }

    @Test
    void a_plain_listener_without_address_reuse_on_the_http_port_is_found() throws Exception {
        try (ServerSocket plain = new ServerSocket()) {
            plain.setReuseAddress(false);
            plain.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ListenAddress http = ListenAddress.http("127.0.0.1", plain.getLocalPort());
            assertThat(PortCheck.firstUnavailable(List.of(http))).hasValueSatisfying(u -> {
                assertThat(u.address()).isEqualTo(http);
                assertThat(u.reason()).isEqualTo("address already in use");
            });
        }
    }

    @Test
    void sip_over_tcp_and_http_on_the_same_port_collide_with_each_other() {
        int port = FreePorts.udpAndTcp();
        ListenAddress http = ListenAddress.http("127.0.0.1", port);
        assertThat(PortCheck.firstUnavailable(List.of(ListenAddress.sip("127.0.0.1", port, "udp"),
                ListenAddress.sip("127.0.0.1", port, "tcp"), http))).hasValueSatisfying(u -> {
                    assertThat(u.address()).isEqualTo(http);
                    assertThat(u.reason()).isEqualTo("address already in use");
                });
        assertThat(FreePorts.isFree(port)).isTrue(); // nothing is left bound
    }
}
