package org.switchboard.dispatch;

import java.io.IOException;
import java.util.Optional;
import javax.servlet.ServletException;
import javax.servlet.sip.Address;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;
import org.switchboard.registration.Director;
import org.switchboard.registration.Registrars;

/**
 * Director mode on the wire: a REGISTER is answered {@code 301 Moved Permanently} naming the user's primary
 * registrar (q=0.7) and backup registrar (q=0.3); a user homed on no known pool gets {@code 404}.
 */
final class SipDirector {

    private static final Logger LOG = LoggerFactory.getLogger(SipDirector.class);

    private SipDirector() {
    }

    static void answer(Director director, SipFactory factory, SipServletRequest register) throws IOException {
        Aor user;
        try {
            user = Aor.of(SipUri.parse(register.getTo().getURI().toString()));
        } catch (IllegalArgumentException e) {
            register.createResponse(SipServletResponse.SC_BAD_REQUEST, "Bad Request: To is not a SIP URI").send();
            return;
        }
        Optional<Registrars> home = director.registrarsOf(user);
        if (home.isEmpty()) {
            LOG.info("Director: REGISTER of {} refused: homed on no known pool", user);
            register.createResponse(SipServletResponse.SC_NOT_FOUND, "User Not Homed On Any Known Pool").send();
            return;
        }
        SipServletResponse moved = register.createResponse(SipServletResponse.SC_MOVED_PERMANENTLY, "Moved Permanently");
        try {
            moved.addAddressHeader("Contact", contact(factory, home.get().primary(), Director.PRIMARY_Q), false);
            if (home.get().backup().isPresent()) {
                moved.addAddressHeader("Contact", contact(factory, home.get().backup().get(), Director.BACKUP_Q), false);
            }
        } catch (ServletException e) {
            LOG.warn("Director: cannot name the registrars of {}: {}", user, e.toString());
            register.createResponse(SipServletResponse.SC_SERVER_INTERNAL_ERROR, "Cannot Name The Registrars").send();
            return;
        }
        moved.send();
    }

    private static Address contact(SipFactory factory, SipUri registrar, float q) throws ServletException {
        Address address = factory.createAddress(factory.createURI(registrar.toString()));
        address.setQ(q);
        return address;
    }
}
