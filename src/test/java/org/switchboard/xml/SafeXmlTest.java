package org.switchboard.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The parser is kept per thread and reused: nothing of one document may reach the next. */
class SafeXmlTest {

    private static final String GOOD = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\"><note>hi</note></presence>";
    private static final String ENTITIES = "<!DOCTYPE presence [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>"
            + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><note>&b;</note></presence>";

    @Test
    void aReusedParserRefusesEveryHostileOrBrokenDocumentAndStillParsesTheGoodOnesBetweenThem() {
        for (int i = 0; i < 3; i++) {
            assertThat(note(SafeXml.parse(GOOD, 65_536))).isEqualTo("hi");
            assertThatThrownBy(() -> SafeXml.parse(ENTITIES, 65_536)).isInstanceOf(XmlRefusedException.class).hasMessageContaining("DOCTYPE");
            assertThat(note(SafeXml.parse(GOOD, 65_536))).isEqualTo("hi");
            assertThatThrownBy(() -> SafeXml.parse("<presence><note>cut", 65_536)).isInstanceOf(XmlRefusedException.class)
                    .hasMessageContaining("not well-formed");
            Document after = SafeXml.parse(GOOD, 65_536);
            assertThat(after.getDocumentElement().getNamespaceURI()).isEqualTo("urn:ietf:params:xml:ns:pidf");
            assertThat(note(after)).isEqualTo("hi");
        }
    }

    @Test
    void documentsParsedOnManyThreadsAtOnceAreEachTheirOwn() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> notes = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String text = GOOD.replace("hi", "note " + i);
                notes.add(threads.submit(() -> note(SafeXml.parse(text, 65_536))));
            }
            for (int i = 0; i < notes.size(); i++) {
                assertThat(notes.get(i).get()).isEqualTo("note " + i);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static String note(Document document) {
        return document.getElementsByTagNameNS("urn:ietf:params:xml:ns:pidf", "note").item(0).getTextContent();
    }
}
