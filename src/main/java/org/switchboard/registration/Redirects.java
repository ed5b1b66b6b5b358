package org.switchboard.registration;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.switchboard.endpoint.SipUri;

/** Reading a {@code 301 Moved Permanently}: the highest q names the primary, the next other address the backup. */
final class Redirects {

    private Redirects() {
    }

    /** Empty when no Contact is usable (none, or none a SIP URI with a host). Equal q keep the order given. */
    static Optional<Registrars> registrarsFrom(List<ContactChoice> contacts) {
        List<ContactChoice> usable = contacts.stream().filter(c -> isUsable(c.uri()))
                .sorted(Comparator.comparing(ContactChoice::preference).reversed()).toList();
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        SipUri primary = usable.get(0).uri();
        Optional<SipUri> backup = usable.stream().map(ContactChoice::uri).filter(u -> !u.equals(primary)).findFirst();
        return Optional.of(new Registrars(primary, backup));
    }

    private static boolean isUsable(SipUri uri) {
        return uri != null && !uri.host().isBlank();
    }
}
