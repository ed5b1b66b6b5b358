package org.switchboard.presence.view;

/** A presence body as it came on the wire: its Content-Type and text. */
public record PresenceBody(String contentType, String text) {
}
