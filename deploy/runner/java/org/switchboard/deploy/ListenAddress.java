package org.switchboard.deploy;

/** One socket the runner listens on: the SIP connector per transport, and the HTTP connector. */
record ListenAddress(String role, String address, int port, String transport) {

    static ListenAddress sip(String address, int port, String transport) {
        return new ListenAddress("SIP", address, port, transport);
    }

    static ListenAddress http(String address, int port) {
        return new ListenAddress("HTTP", address, port, "tcp");
    }

    boolean isUdp() {
        return "udp".equals(transport);
    }

    /** For example {@code 127.0.0.1:5060/udp (SIP)}. */
    @Override
    public String toString() {
        String host = address.contains(":") ? "[" + address + "]" : address;
        return host + ":" + port + "/" + transport + " (" + role + ")";
    }
}
