package org.switchboard.dispatch;

import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.servlet.sip.Address;
import javax.servlet.sip.ServletParseException;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServletMessage;
import javax.sip.PeerUnavailableException;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import org.mobicents.servlet.sip.core.message.MobicentsSipServletMessage;

/**
 * Puts an endpoint's GRUU in the Contact of a message. The portable way, {@code setAddressHeader}
 * (the only one JSR 289 allows for Contact, and only with a {@code gr} parameter), makes Restcomm
 * print the address and parse it back on every message: about a third of dispatch's own cost under
 * load. On Restcomm the message's JAIN-SIP form takes a copy of a header parsed once per endpoint;
 * any other container gets the portable call. The caches need no bound: they hold one entry per endpoint,
 * endpoints are made once, from the configuration, at start-up, and the writer lives as long as they do.
 */
final class ContactWriter {

    private final SipFactory sipFactory;
    private final HeaderFactory headers;
    private final Map<String, Header> parsedHeaders = new ConcurrentHashMap<>();
    private final Map<String, Address> parsedAddresses = new ConcurrentHashMap<>();

    ContactWriter(SipFactory sipFactory) {
        this.sipFactory = sipFactory;
        this.headers = jainSipHeaders();
    }

    private static HeaderFactory jainSipHeaders() {
        try {
            return javax.sip.SipFactory.getInstance().createHeaderFactory();
        } catch (PeerUnavailableException | LinkageError e) {
            return null; // not a JAIN-SIP based container: the portable path serves
        }
    }

    /** Sets the Contact of a response the endpoint is about to send. */
    void writeResponseContact(SipServletMessage response, HostedEndpoint endpoint) {
        if (headers != null && response instanceof MobicentsSipServletMessage restcomm) {
            Header contact = parsedHeaders.computeIfAbsent(endpoint.name(), name -> {
                try {
                    return headers.createHeader("Contact", endpoint.contact());
                } catch (ParseException e) {
                    throw new IllegalStateException("GRUU of " + endpoint.name() + " is not a SIP address: " + e.getMessage(), e);
                }
            });
            restcomm.getMessage().setHeader((Header) contact.clone());
        } else {
            response.setAddressHeader("Contact", address(endpoint));
        }
    }

    /** The endpoint's GRUU as a Contact address (for requests, which go the portable way). */
    Address address(HostedEndpoint endpoint) {
        Address parsed = parsedAddresses.computeIfAbsent(endpoint.name(), name -> {
            try {
                return sipFactory.createAddress(endpoint.contact());
            } catch (ServletParseException e) {
                throw new IllegalStateException("GRUU of " + endpoint.name() + " is not a SIP address: " + e.getMessage(), e);
            }
        });
        return (Address) parsed.clone();
    }
}
