package org.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.endpoint.Aor;
import org.switchboard.xml.SafeXml;
import org.w3c.dom.Element;

class PresenceDocumentsTest {

    private static final Aor ALICE = Aor.parse("sip:alice@example.com");
    private static final String PIDF = "application/pidf+xml";
    private static final String MS = "application/msrtc-event-categories+xml";
    private static final String CATEGORIES_NS = "http://schemas.microsoft.com/2006/09/sip/categories";

    private final PresenceDocuments documents = new PresenceDocuments(65_536);

    @TempDir
    Path dir;

    private static PublishTime time(String text) {
        return PublishTime.parse(text);
    }

    // ---------------------------------------------------------------- PIDF

    private static final String PIDF_SEVERAL_PARTS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <presence xmlns="urn:ietf:params:xml:ns:pidf"
                      xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
                      xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
                      entity="sip:alice@example.com">
              <tuple id="t1">
                <status><basic>open</basic></status>
                <timestamp>2025-03-01T10:00:00Z</timestamp>
              </tuple>
              <tuple id="t2">
                <status><basic>closed</basic></status>
                <timestamp>2025-03-01T11:30:00+01:00</timestamp>
              </tuple>
              <dm:person id="p1">
                <rpid:activities><rpid:busy/></rpid:activities>
                <dm:timestamp>2025-03-01T12:15:00.250Z</dm:timestamp>
              </dm:person>
              <dm:device id="d1">
                <dm:deviceID>urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6</dm:deviceID>
                <dm:timestamp>2025-03-01T09:00:00Z</dm:timestamp>
              </dm:device>
            </presence>
            """;

    @Test
    void a_pidf_document_is_one_update_as_new_as_its_newest_part() {
        List<PresenceUpdate> updates = documents.parse(ALICE, PIDF, PIDF_SEVERAL_PARTS);

        assertThat(updates).hasSize(1);
        PresenceUpdate update = updates.get(0);
        assertThat(update.presentity()).isEqualTo(ALICE);
        assertThat(update.category()).isEqualTo("pidf");
        assertThat(update.contentType()).isEqualTo(PIDF);
        assertThat(update.document()).isEqualTo(PIDF_SEVERAL_PARTS);
        // the person's data-model timestamp (12:15:00.250Z) beats both tuples (10:00Z, 10:30Z) and the device
        assertThat(update.publishTime()).isEqualTo(time("2025-03-01T12:15:00.250Z"));
        assertThat(update.digest()).isEqualTo(PresenceUpdate.of(ALICE, "pidf", update.publishTime(), PIDF, PIDF_SEVERAL_PARTS).digest());
    }

    @Test
    void the_newest_tuple_timestamp_wins_when_persons_are_older() {
        String body = """
                <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:alice@example.com">
                  <tuple id="a"><status><basic>open</basic></status><timestamp>2025-03-01T10:00:00Z</timestamp></tuple>
                  <tuple id="b"><status><basic>open</basic></status><timestamp>2025-03-01T14:00:00.000001Z</timestamp></tuple>
                  <tuple id="c"><status><basic>open</basic></status><timestamp>2025-03-01T14:00:00Z</timestamp></tuple>
                  <dm:person id="p"><dm:timestamp>2025-03-01T13:59:59Z</dm:timestamp></dm:person>
                </presence>
                """;
        assertThat(documents.parse(ALICE, PIDF, body)).singleElement()
                .extracting(PresenceUpdate::publishTime).isEqualTo(time("2025-03-01T14:00:00.000001Z"));
    }

    @Test
    void a_pidf_document_without_timestamps_has_an_unknown_publish_time() {
        String body = """
                <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">
                  <tuple id="t1"><status><basic>open</basic></status><contact>sip:alice@192.0.2.1</contact></tuple>
                </presence>
                """;
        assertThat(documents.parse(ALICE, PIDF, body)).singleElement().satisfies(update -> {
            assertThat(update.publishTime()).isEqualTo(PublishTime.UNKNOWN);
            assertThat(update.category()).isEqualTo("pidf");
        });
    }

    @Test
    void unparseable_timestamps_count_as_absent() {
        String someBad = """
                <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">
                  <tuple id="a"><status><basic>open</basic></status><timestamp>not a time</timestamp></tuple>
                  <tuple id="b"><status><basic>open</basic></status><timestamp>2025-03-01T08:00:00Z</timestamp></tuple>
                  <tuple id="c"><status><basic>open</basic></status><timestamp></timestamp></tuple>
                </presence>
                """;
        assertThat(documents.parse(ALICE, PIDF, someBad)).singleElement()
                .extracting(PresenceUpdate::publishTime).isEqualTo(time("2025-03-01T08:00:00Z"));

        String allBad = """
                <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">
                  <tuple id="a"><status><basic>open</basic></status><timestamp>yesterday</timestamp></tuple>
                  <tuple id="b"><status><basic>open</basic></status><timestamp>2025-02-30T08:00:00Z</timestamp></tuple>
                </presence>
                """;
        assertThat(documents.parse(ALICE, PIDF, allBad)).singleElement()
                .extracting(PresenceUpdate::publishTime).isEqualTo(PublishTime.UNKNOWN);
    }

    @Test
    void a_timestamp_in_a_foreign_namespace_is_not_a_publish_time() {
        String body = """
                <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:x="urn:example:other" entity="sip:alice@example.com">
                  <tuple id="a"><status><basic>open</basic></status><timestamp>2025-03-01T08:00:00Z</timestamp>
                    <x:timestamp>2030-01-01T00:00:00Z</x:timestamp></tuple>
                </presence>
                """;
        assertThat(documents.parse(ALICE, PIDF, body)).singleElement()
                .extracting(PresenceUpdate::publishTime).isEqualTo(time("2025-03-01T08:00:00Z"));
    }

    @Test
    void the_content_type_is_matched_without_case_or_parameters() {
        String body = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\"/>";
        assertThat(documents.parse(ALICE, "Application/PIDF+XML; charset=UTF-8", body)).singleElement()
                .satisfies(update -> assertThat(update.contentType()).isEqualTo(PIDF));
    }

    @Test
    void the_same_body_gives_the_same_update_every_time() {
        assertThat(documents.parse(ALICE, PIDF, PIDF_SEVERAL_PARTS)).isEqualTo(documents.parse(ALICE, PIDF, PIDF_SEVERAL_PARTS));
        assertThat(documents.parse(ALICE, MS, MS_CATEGORIES)).isEqualTo(new PresenceDocuments(65_536).parse(ALICE, MS, MS_CATEGORIES));
    }

    // ---------------------------------------------------------------- Microsoft categories

    private static final String MS_CATEGORIES = """
            <categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:alice@example.com">
              <category name="state" instance="0" container="2" version="3" publishTime="2025-03-01T12:00:00Z">
                <state xmlns="http://schemas.microsoft.com/2006/09/sip/state"><availability>3500</availability></state>
              </category>
              <category name="note" instance="0" container="400" version="1" publishTime="2025-03-01T11:00:00.123Z">
                <note xmlns="http://schemas.microsoft.com/2006/09/sip/note"><body type="personal">Lunch</body></note>
              </category>
              <category name="calendarData" instance="1" publishTime="2025-03-01T10:00:00+02:00">
                <calendarData xmlns="http://schemas.microsoft.com/2006/09/sip/calendarData"/>
              </category>
              <category name="device" publishTime="garbage"/>
            </categories>
            """;

    @Test
    void microsoft_categories_give_one_update_per_category_with_its_key_and_time() {
        List<PresenceUpdate> updates = documents.parse(ALICE, MS, MS_CATEGORIES);

        assertThat(updates).extracting(PresenceUpdate::category)
                .containsExactly("state/0@2", "note/0@400", "calendarData/1", "device/0");
        Map<String, PresenceUpdate> byKey = updates.stream().collect(Collectors.toMap(PresenceUpdate::category, Function.identity()));
        assertThat(byKey.get("state/0@2").publishTime()).isEqualTo(time("2025-03-01T12:00:00Z"));
        assertThat(byKey.get("note/0@400").publishTime()).isEqualTo(time("2025-03-01T11:00:00.123Z"));
        assertThat(byKey.get("calendarData/1").publishTime()).isEqualTo(time("2025-03-01T08:00:00Z"));
        assertThat(byKey.get("device/0").publishTime()).isEqualTo(PublishTime.UNKNOWN);
        assertThat(updates).allSatisfy(update -> {
            assertThat(update.presentity()).isEqualTo(ALICE);
            assertThat(update.contentType()).isEqualTo(MS);
            assertThat(update.digest()).isEqualTo(
                    PresenceUpdate.of(ALICE, update.category(), update.publishTime(), MS, update.document()).digest());
        });
        assertThat(updates).extracting(PresenceUpdate::digest).doesNotHaveDuplicates();
    }

    @Test
    void each_category_update_holds_its_own_category_element_as_standalone_xml() {
        List<PresenceUpdate> updates = documents.parse(ALICE, MS, MS_CATEGORIES);
        PresenceUpdate state = updates.get(0);
        PresenceUpdate note = updates.get(1);

        assertThat(state.document()).contains("3500").doesNotContain("Lunch");
        assertThat(note.document()).contains("Lunch").doesNotContain("3500");
        Element element = SafeXml.parse(note.document(), 65_536).getDocumentElement();
        assertThat(element.getNamespaceURI()).isEqualTo(CATEGORIES_NS);
        assertThat(element.getLocalName()).isEqualTo("category");
        assertThat(element.getAttribute("name")).isEqualTo("note");
        assertThat(element.getAttribute("publishTime")).isEqualTo("2025-03-01T11:00:00.123Z");
    }

    @Test
    void a_microsoft_publish_time_without_a_zone_is_utc() {
        String body = """
                <categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories">
                  <category name="state" instance="1" container="3" publishTime="2025-03-01T12:00:00.5"/>
                </categories>
                """;
        assertThat(documents.parse(ALICE, MS, body)).singleElement().satisfies(update -> {
            assertThat(update.category()).isEqualTo("state/1@3");
            assertThat(update.publishTime()).isEqualTo(time("2025-03-01T12:00:00.500Z"));
        });
    }

    /**
     * .NET clients write DateTime.MinValue ("0001-01-01T00:00:00") for "never"; other clients far-future
     * placeholders. Both are valid dateTimes that epoch microseconds in a long can hold, so they are
     * known times: the body must neither be refused nor fail with anything but an update.
     */
    @Test
    void publish_times_far_from_1970_are_read() {
        String body = """
                <categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories">
                  <category name="state" instance="0" container="2" publishTime="0001-01-01T00:00:00"/>
                  <category name="note" instance="0" container="2" publishTime="3000-01-01T00:00:00Z"/>
                </categories>
                """;
        List<PresenceUpdate> updates = documents.parse(ALICE, MS, body);
        assertThat(updates).extracting(PresenceUpdate::publishTime).containsExactly(
                new PublishTime(java.time.Instant.parse("0001-01-01T00:00:00Z").getEpochSecond() * 1_000_000L),
                new PublishTime(java.time.Instant.parse("3000-01-01T00:00:00Z").getEpochSecond() * 1_000_000L));
    }

    @Test
    void categories_without_any_category_give_no_update() {
        assertThat(documents.parse(ALICE, MS, "<categories xmlns=\"" + CATEGORIES_NS + "\"/>")).isEmpty();
    }

    @Test
    void a_category_without_a_name_is_refused() {
        String body = "<categories xmlns=\"" + CATEGORIES_NS + "\"><category instance=\"0\" publishTime=\"2025-03-01T12:00:00Z\"/></categories>";
        assertThatThrownBy(() -> documents.parse(ALICE, MS, body)).isInstanceOf(PresenceDocumentException.class);
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void an_unsupported_content_type_is_refused_and_named() {
        String body = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\"/>";
        for (String type : List.of("text/plain", "application/xpidf+xml", "application/xml", "")) {
            assertThatThrownBy(() -> documents.parse(ALICE, type, body))
                    .as(type)
                    .isInstanceOf(PresenceDocumentException.class)
                    .hasMessageContaining("'" + type + "'");
        }
        assertThatThrownBy(() -> documents.parse(ALICE, null, body)).isInstanceOf(PresenceDocumentException.class);
    }

    @Test
    void a_body_over_the_limit_is_refused_and_one_at_the_limit_is_read() {
        PresenceDocuments small = new PresenceDocuments(1024);
        String open = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">";
        String close = "</presence>";
        String atLimit = open + " ".repeat(1024 - open.length() - close.length()) + close;
        assertThat(atLimit).hasSize(1024);
        String overLimit = open + " ".repeat(1025 - open.length() - close.length()) + close;

        assertThat(small.parse(ALICE, PIDF, atLimit)).hasSize(1);
        assertThatThrownBy(() -> small.parse(ALICE, PIDF, overLimit))
                .isInstanceOf(PresenceDocumentException.class)
                .hasMessageContaining("1025")
                .hasMessageContaining("1024");
        assertThatThrownBy(() -> small.parse(ALICE, MS, overLimit)).isInstanceOf(PresenceDocumentException.class);
    }

    @Test
    @Timeout(10)
    void an_internal_entity_bomb_is_refused_before_any_expansion() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE presence [\n<!ENTITY lol0 \"lollollollollollollollollollol\">\n");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"")
                    .append(("&lol" + (i - 1) + ";").repeat(10)).append("\">\n");
        }
        dtd.append("]>\n");
        String body = dtd + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
                + "<tuple id=\"t\"><status><basic>open</basic></status><note>&lol9;</note></tuple></presence>";

        assertThatThrownBy(() -> documents.parse(ALICE, PIDF, body))
                .isInstanceOf(PresenceDocumentException.class)
                .hasMessageContaining("DOCTYPE");
    }

    @Test
    void a_doctype_is_refused_even_without_entities() {
        String body = "<!DOCTYPE categories><categories xmlns=\"" + CATEGORIES_NS + "\"/>";
        assertThatThrownBy(() -> documents.parse(ALICE, MS, body))
                .isInstanceOf(PresenceDocumentException.class)
                .hasMessageContaining("DOCTYPE");
    }

    @Test
    void an_external_entity_is_refused_and_the_file_it_names_is_never_read_into_anything() throws IOException {
        String secret = "TOP-SECRET-7f3a9c";
        Path file = Files.writeString(dir.resolve("secret.txt"), secret);
        String uri = file.toUri().toString();

        List<String> bodies = List.of(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE presence [<!ENTITY xxe SYSTEM \"" + uri + "\">]>\n"
                        + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
                        + "<tuple id=\"t\"><status><basic>open</basic></status><note>&xxe;</note></tuple></presence>",
                "<!DOCTYPE categories [<!ENTITY % remote SYSTEM \"" + uri + "\"> %remote;]>"
                        + "<categories xmlns=\"" + CATEGORIES_NS + "\"><category name=\"note\" publishTime=\"2025-03-01T12:00:00Z\"/></categories>",
                "<!DOCTYPE categories SYSTEM \"" + uri + "\">"
                        + "<categories xmlns=\"" + CATEGORIES_NS + "\"><category name=\"note\" publishTime=\"2025-03-01T12:00:00Z\"/></categories>");
        List<String> types = List.of(PIDF, MS, MS);
        for (int i = 0; i < bodies.size(); i++) {
            String body = bodies.get(i);
            String type = types.get(i);
            assertThatThrownBy(() -> documents.parse(ALICE, type, body))
                    .as(body)
                    .isInstanceOfSatisfying(PresenceDocumentException.class,
                            e -> assertThat(everythingSaidAbout(e)).doesNotContain(secret));
        }

        assertThat(documents.refusedCount()).isEqualTo(bodies.size());

        // Through the store too (its own parser here): nothing is stored or delivered, and the refusal is counted.
        OrderedPresenceStore store = new OrderedPresenceStore(new UnusedRepository(), new PresenceDocuments(65_536), "pool-a");
        List<PresenceUpdate> delivered = new ArrayList<>();
        store.addListener(delivered::add);
        for (int i = 0; i < bodies.size(); i++) {
            String body = bodies.get(i);
            String type = types.get(i);
            assertThatThrownBy(() -> store.offer(ALICE, type, body)).isInstanceOf(PresenceDocumentException.class);
        }
        assertThat(delivered).isEmpty();
        assertThat(store.current(ALICE)).isEmpty();
        assertThat(store.counts().refused()).isEqualTo(bodies.size());
    }

    @Test
    void xinclude_is_not_processed() throws IOException {
        String secret = "XINCLUDE-SECRET-51b2";
        Path file = Files.writeString(dir.resolve("included.txt"), secret);
        String body = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:xi=\"http://www.w3.org/2001/XInclude\" entity=\"sip:alice@example.com\">"
                + "<tuple id=\"t\"><status><basic>open</basic></status><note><xi:include href=\"" + file.toUri()
                + "\" parse=\"text\"/></note><timestamp>2025-03-01T12:00:00Z</timestamp></tuple></presence>";
        assertThat(documents.parse(ALICE, PIDF, body)).singleElement()
                .satisfies(update -> assertThat(update.document()).doesNotContain(secret));
    }

    @Test
    void malformed_xml_is_refused() {
        List<String> bodies = List.of(
                "",
                "just text",
                "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple id=\"t\">",
                "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"></presense>",
                "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/><presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>",
                "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><note>&undefined;</note></presence>");
        for (String body : bodies) {
            assertThatThrownBy(() -> documents.parse(ALICE, PIDF, body)).as(body).isInstanceOf(PresenceDocumentException.class);
        }
        assertThatThrownBy(() -> documents.parse(ALICE, MS, "<categories xmlns=\"" + CATEGORIES_NS + "\"><category name=\"x\">"))
                .isInstanceOf(PresenceDocumentException.class);
    }

    @Test
    void the_wrong_root_is_refused() {
        // Categories sent as PIDF, and PIDF sent as categories.
        assertThatThrownBy(() -> documents.parse(ALICE, PIDF, MS_CATEGORIES))
                .isInstanceOf(PresenceDocumentException.class).hasMessageContaining("presence");
        assertThatThrownBy(() -> documents.parse(ALICE, MS, PIDF_SEVERAL_PARTS))
                .isInstanceOf(PresenceDocumentException.class).hasMessageContaining("categories");
        // The right local name in the wrong namespace, or in none.
        assertThatThrownBy(() -> documents.parse(ALICE, PIDF, "<presence entity=\"sip:alice@example.com\"/>"))
                .isInstanceOf(PresenceDocumentException.class);
        assertThatThrownBy(() -> documents.parse(ALICE, PIDF, "<presence xmlns=\"urn:example:not-pidf\"/>"))
                .isInstanceOf(PresenceDocumentException.class);
        assertThatThrownBy(() -> documents.parse(ALICE, MS, "<categories xmlns=\"http://schemas.microsoft.com/2006/09/sip/other\"/>"))
                .isInstanceOf(PresenceDocumentException.class);
    }

    /** Every message in the exception, its causes and suppressed exceptions, and their text forms. */
    private static String everythingSaidAbout(Throwable e) {
        StringBuilder all = new StringBuilder();
        List<Throwable> pending = new ArrayList<>(List.of(e));
        for (int seen = 0; !pending.isEmpty() && seen < 50; seen++) {
            Throwable t = pending.remove(0);
            all.append(t).append('\n').append(t.getLocalizedMessage()).append('\n');
            if (t.getCause() != null && t.getCause() != t) {
                pending.add(t.getCause());
            }
            pending.addAll(List.of(t.getSuppressed()));
        }
        return all.toString();
    }

    /** A repository that the refused bodies must never reach. */
    private static final class UnusedRepository implements PresenceRepository {
        @Override
        public boolean writeIfNewer(PresenceUpdate update, String sourcePool) {
            throw new AssertionError("a refused body reached the repository: " + update);
        }

        @Override
        public java.util.Optional<PresenceUpdate> load(PresenceKey key) {
            throw new AssertionError("a refused body reached the repository: " + key);
        }
    }
}
