package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.arquillian.sip.SipClient;

/**
 * Director mode through the real container: a JAIN-SIP client sends REGISTERs; the 301 on the wire names
 * the user's primary registrar (q=0.7) and the backup pool's registrar (q=0.3), from the pool topology.
 * Deployed through the Arquillian adapter.
 */
@ExtendWith(ArquillianExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationDirectorIT {

    @ArquillianResource
    DeployedSwitchboard server;

    private SipClient client;

    @Deployment(testable = false)
    public static WebArchive switchboardAsDirector() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard(), """
                topology:
                  front-end-pools:
                    - name: fe1
                      next-hop: "sip:fe1.example.test:5060"
                      registrar: "sip:reg1.example.test:5060;transport=tcp"
                      backup-pool: fe2
                      users: ["sip:alice@example.test"]
                    - name: fe2
                      next-hop: "sip:fe2.example.test:5061"
                      users: ["sip:bob@example.test"]
                registration:
                  director: true
                endpoints:
                  - {aor: "sip:carol@example.test", kind: user, epid: desk, bean: echo}
                """);
    }

    @BeforeAll
    void client() throws Exception {
        client = SipClient.udp();
    }

    @AfterAll
    void stop() {
        client.close();
    }

    private Response register(String user) throws Exception {
        Request register = client.requestTo("REGISTER", "sip:" + user + "@example.test", user, server.sipPort());
        return client.send(register, Duration.ofSeconds(10));
    }

    /** Each Contact of the answer as "URI q". */
    private static List<String> contacts(Response response) {
        List<String> contacts = new ArrayList<>();
        ListIterator<?> headers = response.getHeaders(ContactHeader.NAME);
        while (headers.hasNext()) {
            ContactHeader contact = (ContactHeader) headers.next();
            contacts.add(contact.getAddress().getURI() + " q=" + contact.getQValue());
        }
        return contacts;
    }

    @Test
    void a_register_of_a_homed_user_is_answered_301_naming_the_primary_at_q_07_and_the_backup_at_q_03() throws Exception {
        Response response = register("alice");

        assertThat(response.getStatusCode()).isEqualTo(301);
        assertThat(contacts(response)).containsExactly("sip:reg1.example.test:5060;transport=tcp q=0.7", "sip:fe2.example.test:5061 q=0.3");
        assertThat(((ContactHeader) response.getHeader(ContactHeader.NAME)).getAddress().getURI()).isInstanceOf(SipURI.class);
    }

    @Test
    void a_user_of_a_pool_without_backup_pool_gets_only_the_primary_and_the_pools_next_hop_serves_as_its_registrar() throws Exception {
        Response response = register("bob");

        assertThat(response.getStatusCode()).isEqualTo(301);
        assertThat(contacts(response)).containsExactly("sip:fe2.example.test:5061 q=0.7");
    }

    @Test
    void a_register_of_a_user_homed_on_no_known_pool_is_answered_404() throws Exception {
        Response response = register("carol");

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(response.getReasonPhrase()).isEqualTo("User Not Homed On Any Known Pool");
        assertThat(contacts(response)).isEmpty();
    }
}
