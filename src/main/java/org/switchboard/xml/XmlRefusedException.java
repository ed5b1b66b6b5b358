package org.switchboard.xml;

/** An XML body was refused: too large, a DOCTYPE, or not well-formed. The message says which. */
public final class XmlRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public XmlRefusedException(String message) {
        super(message);
    }

    public XmlRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
