package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceDocumentException;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.PublishTime;
import org.switchboard.xml.SafeXml;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class PresenceMappingTest {

    private static final String PIDF = "application/pidf+xml";
    private static final String MS = "application/msrtc-event-categories+xml";
    private static final String CATEGORIES_NS = "http://schemas.microsoft.com/2006/09/sip/categories";
    private static final String PIDF_NS = "urn:ietf:params:xml:ns:pidf";
    private static final String DM_NS = "urn:ietf:params:xml:ns:pidf:data-model";
    private static final String RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid";
    private static final int MAX = 65_536;
    private static final Aor ALICE_XMPP = Aor.parse("sip:alice@xmpp.example.com");
    private static final Instant PUBLISHED = Instant.parse("2025-03-01T12:15:00.250Z");

    @TempDir
    Path dir;

    private static XmppPresence pidfToXmpp(String body) {
        return PresenceMapping.toXmpp(PIDF, body, MAX);
    }

    private static String pidf(String inner) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence xmlns=\"" + PIDF_NS + "\" xmlns:dm=\"" + DM_NS
                + "\" xmlns:rpid=\"" + RPID_NS + "\" entity=\"sip:bob@example.com\">" + inner + "</presence>";
    }

    private static String tuple(String id, String basic, String extra) {
        return "<tuple id=\"" + id + "\"><status><basic>" + basic + "</basic></status>" + extra + "</tuple>";
    }

    private static String person(String inner) {
        return "<dm:person id=\"p1\">" + inner + "</dm:person>";
    }

    private static String activities(String... names) {
        StringBuilder xml = new StringBuilder("<rpid:activities>");
        for (String name : names) {
            xml.append("<rpid:").append(name).append("/>");
        }
        return xml.append("</rpid:activities>").toString();
    }

    private static String categories(String... inner) {
        return "<categories xmlns=\"" + CATEGORIES_NS + "\" uri=\"sip:bob@example.com\">" + String.join("", inner) + "</categories>";
    }

    private static String state(int availability, String publishTime, String xsiType) {
        return "<category name=\"state\" instance=\"0\" container=\"2\" publishTime=\"" + publishTime + "\">"
                + "<state xmlns=\"http://schemas.microsoft.com/2006/09/sip/state\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                + " xsi:type=\"" + xsiType + "\"><availability>" + availability + "</availability></state></category>";
    }

    private static String aggregateState(int availability) {
        return state(availability, "2025-03-01T12:00:00Z", "aggregateState");
    }

    private static String msNote(String text, String type, String publishTime) {
        return "<category name=\"note\" instance=\"0\" container=\"400\" publishTime=\"" + publishTime + "\">"
                + "<note xmlns=\"http://schemas.microsoft.com/2006/09/sip/note\"><body type=\"" + type + "\" uri=\"\">" + text
                + "</body></note></category>";
    }

    // ---------------------------------------------------------------- PIDF to XMPP

    @Test
    void an_open_tuple_without_activities_is_online() {
        assertThat(pidfToXmpp(pidf(tuple("t1", "open", "")))).isEqualTo(XmppPresence.of(XmppShow.ONLINE));
    }

    @Test
    void closed_everywhere_is_offline() {
        String body = pidf(tuple("t1", "closed", "") + tuple("t2", "closed", "") + person(activities("busy")));
        assertThat(pidfToXmpp(body)).isEqualTo(XmppPresence.offline());
    }

    @Test
    void a_document_without_tuples_is_offline() {
        assertThat(pidfToXmpp(pidf(person(activities("away"))))).isEqualTo(XmppPresence.offline());
    }

    @Test
    void any_open_tuple_makes_the_presentity_available() {
        String body = pidf(tuple("t1", "closed", "") + tuple("t2", "open", "") + tuple("t3", "closed", ""));
        assertThat(pidfToXmpp(body).show()).isEqualTo(XmppShow.ONLINE);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "away, AWAY", "lunch, AWAY", "meal, AWAY", "in-transit, AWAY", "steering, AWAY",
            "busy, DND", "on-the-phone, DND", "meeting, DND", "appointment, DND", "presentation, DND",
            "vacation, XA", "holiday, XA", "permanent-absence, XA", "travel, XA", "sleeping, XA",
            "working, ONLINE", "unknown, ONLINE"})
    void a_person_activity_decides_the_show(String activity, XmppShow show) {
        String body = pidf(tuple("t1", "open", "") + person(activities(activity)));
        assertThat(pidfToXmpp(body).show()).isEqualTo(show);
    }

    @Test
    void rpid_other_chat_is_chat_and_other_text_is_ignored() {
        assertThat(pidfToXmpp(pidf(tuple("t1", "open", "") + person("<rpid:activities><rpid:other>chat</rpid:other></rpid:activities>"))).show())
                .isEqualTo(XmppShow.CHAT);
        assertThat(pidfToXmpp(pidf(tuple("t1", "open", "") + person("<rpid:activities><rpid:other>gardening</rpid:other></rpid:activities>"))).show())
                .isEqualTo(XmppShow.ONLINE);
    }

    @Test
    void the_least_available_of_several_activities_wins() {
        assertThat(pidfToXmpp(pidf(tuple("t1", "open", "") + person(activities("away", "on-the-phone")))).show()).isEqualTo(XmppShow.DND);
        assertThat(pidfToXmpp(pidf(tuple("t1", "open", "") + person(activities("lunch", "travel")))).show()).isEqualTo(XmppShow.XA);
    }

    @Test
    void person_activities_win_over_activities_inside_a_tuple() {
        String body = pidf(tuple("t1", "open", "<rpid:activities><rpid:busy/></rpid:activities>") + person(activities("away")));
        assertThat(pidfToXmpp(body).show()).isEqualTo(XmppShow.AWAY);
    }

    @Test
    void tuple_activities_count_when_no_person_has_any() {
        String body = pidf(tuple("t1", "open", "<rpid:activities><rpid:busy/></rpid:activities>"));
        assertThat(pidfToXmpp(body).show()).isEqualTo(XmppShow.DND);
    }

    @Test
    void a_multi_tuple_document_combines_basic_from_tuples_activities_from_the_person_and_the_person_note() {
        String body = pidf(tuple("sip", "closed", "<note>Phone off</note>")
                + tuple("im", "open", "<note>At my desk</note>")
                + person(activities("meeting") + "<dm:note>In a meeting until 3</dm:note>"));
        assertThat(pidfToXmpp(body)).isEqualTo(XmppPresence.of(XmppShow.DND, "In a meeting until 3"));
    }

    @Test
    void without_a_person_note_the_note_of_an_open_tuple_is_the_status() {
        String body = pidf(tuple("sip", "closed", "<note>Phone off</note>") + tuple("im", "open", "<note>At my desk</note>"));
        assertThat(pidfToXmpp(body)).isEqualTo(XmppPresence.of(XmppShow.ONLINE, "At my desk"));
    }

    @Test
    void the_presence_level_note_is_the_status_when_no_tuple_or_person_has_one() {
        String body = pidf(tuple("t1", "open", "") + "<note>Hello</note>");
        assertThat(pidfToXmpp(body).status()).contains("Hello");
    }

    @Test
    void an_offline_presentity_keeps_its_note_as_status() {
        assertThat(pidfToXmpp(pidf(tuple("t1", "closed", "<note>Gone home</note>")))).isEqualTo(XmppPresence.of(XmppShow.OFFLINE, "Gone home"));
    }

    @Test
    void a_blank_note_is_no_status() {
        assertThat(pidfToXmpp(pidf(tuple("t1", "open", "<note>   </note>"))).status()).isEmpty();
    }

    @Test
    void content_type_parameters_and_case_are_ignored() {
        assertThat(PresenceMapping.toXmpp("Application/PIDF+XML; charset=UTF-8", pidf(tuple("t1", "open", "")), MAX).show())
                .isEqualTo(XmppShow.ONLINE);
    }

    // ---------------------------------------------------------------- Microsoft categories to XMPP

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0, OFFLINE", "2999, OFFLINE",
            "3000, ONLINE", "3500, ONLINE", "4499, ONLINE",
            "4500, AWAY", "5999, AWAY",
            "6000, DND", "7499, DND",
            "7500, DND", "8999, DND",
            "9000, DND", "11999, DND",
            "12000, AWAY", "14999, AWAY",
            "15000, XA", "17999, XA",
            "18000, OFFLINE", "20000, OFFLINE"})
    void microsoft_availability_ranges_map_at_their_boundaries(int availability, XmppShow show) {
        assertThat(PresenceMapping.toXmpp(MS, categories(aggregateState(availability)), MAX).show()).isEqualTo(show);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"6000", "7499"})
    void microsoft_busy_without_a_note_says_busy(int availability) {
        assertThat(PresenceMapping.toXmpp(MS, categories(aggregateState(availability)), MAX)).isEqualTo(XmppPresence.of(XmppShow.DND, "Busy"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"5999", "7500", "9000"})
    void outside_the_busy_range_no_status_is_invented(int availability) {
        assertThat(PresenceMapping.toXmpp(MS, categories(aggregateState(availability)), MAX).status()).isEmpty();
    }

    @Test
    void a_microsoft_note_is_the_status_even_when_busy() {
        String body = categories(aggregateState(6500), msNote("Call me later &amp; not now", "personal", "2025-03-01T11:00:00Z"));
        assertThat(PresenceMapping.toXmpp(MS, body, MAX)).isEqualTo(XmppPresence.of(XmppShow.DND, "Call me later & not now"));
    }

    @Test
    void the_newest_note_wins_and_a_personal_note_beats_out_of_office_in_the_same_category() {
        String older = msNote("Old note", "personal", "2025-03-01T09:00:00Z");
        String newer = "<category name=\"note\" instance=\"0\" container=\"400\" publishTime=\"2025-03-01T10:00:00Z\">"
                + "<note xmlns=\"http://schemas.microsoft.com/2006/09/sip/note\"><body type=\"OOF\">On leave</body>"
                + "<body type=\"personal\">Back soon</body></note></category>";
        assertThat(PresenceMapping.toXmpp(MS, categories(aggregateState(3500), newer, older), MAX).status()).contains("Back soon");
    }

    @Test
    void the_aggregate_state_wins_over_a_newer_user_state() {
        String body = categories(
                state(3500, "2025-03-01T10:00:00Z", "aggregateState"),
                state(9000, "2025-03-01T12:00:00Z", "userState"));
        assertThat(PresenceMapping.toXmpp(MS, body, MAX).show()).isEqualTo(XmppShow.ONLINE);
    }

    @Test
    void among_states_of_the_same_kind_the_newest_publish_time_wins() {
        String body = categories(
                state(15500, "2025-03-01T12:00:00Z", "userState"),
                state(3500, "2025-03-01T10:00:00Z", "machineState"));
        assertThat(PresenceMapping.toXmpp(MS, body, MAX).show()).isEqualTo(XmppShow.XA);
    }

    @Test
    void a_state_whose_availability_is_not_a_number_is_skipped() {
        String body = categories(
                state(12000, "2025-03-01T10:00:00Z", "aggregateState"),
                "<category name=\"state\" publishTime=\"2025-03-01T12:00:00Z\"><state xmlns=\"http://schemas.microsoft.com/2006/09/sip/state\">"
                        + "<availability>lots</availability></state></category>");
        assertThat(PresenceMapping.toXmpp(MS, body, MAX).show()).isEqualTo(XmppShow.AWAY);
    }

    @Test
    void categories_without_a_state_are_offline_with_the_note() {
        assertThat(PresenceMapping.toXmpp(MS, categories(msNote("Lunch", "personal", "2025-03-01T11:00:00Z")), MAX))
                .isEqualTo(XmppPresence.of(XmppShow.OFFLINE, "Lunch"));
    }

    // ---------------------------------------------------------------- XMPP to PIDF

    static Stream<Arguments> everyPresence() {
        List<Arguments> all = new ArrayList<>();
        for (XmppShow show : XmppShow.values()) {
            all.add(Arguments.of(new XmppPresence(show, Optional.empty())));
            all.add(Arguments.of(new XmppPresence(show, Optional.of("Status of " + show + " <&>\"' ünïcødé 🎉"))));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyPresence")
    void every_presence_survives_the_round_trip_through_pidf(XmppPresence presence) {
        String pidf = PresenceMapping.toPidf(ALICE_XMPP, presence, PUBLISHED);
        assertThat(pidfToXmpp(pidf)).isEqualTo(presence);
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "ONLINE, open, ''",
            "CHAT, open, other:chat",
            "AWAY, open, away",
            "XA, open, away other:extended-away",
            "DND, open, busy",
            "OFFLINE, closed, ''"})
    void each_show_is_written_as_basic_status_and_rpid_activities(XmppShow show, String basic, String expectedActivities) {
        Element root = SafeXml.parse(PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.of(show), PUBLISHED), MAX).getDocumentElement();

        assertThat(root.getElementsByTagNameNS(PIDF_NS, "basic").item(0).getTextContent()).isEqualTo(basic);
        List<String> written = new ArrayList<>();
        var activityLists = root.getElementsByTagNameNS(RPID_NS, "activities");
        for (int i = 0; i < activityLists.getLength(); i++) {
            for (var child = activityLists.item(i).getFirstChild(); child != null; child = child.getNextSibling()) {
                if (child instanceof Element activity) {
                    written.add("other".equals(activity.getLocalName()) ? "other:" + activity.getTextContent() : activity.getLocalName());
                }
            }
        }
        assertThat(String.join(" ", written)).isEqualTo(expectedActivities);
    }

    @Test
    void the_pidf_names_the_entity_and_carries_the_status_as_tuple_note_and_person_note() {
        Document document = SafeXml.parse(PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.of(XmppShow.AWAY, "Walking the dog"), PUBLISHED), MAX);
        Element root = document.getDocumentElement();

        assertThat(root.getNamespaceURI()).isEqualTo(PIDF_NS);
        assertThat(root.getLocalName()).isEqualTo("presence");
        assertThat(root.getAttribute("entity")).isEqualTo("sip:alice@xmpp.example.com");
        assertThat(root.getElementsByTagNameNS(PIDF_NS, "note").item(0).getTextContent()).isEqualTo("Walking the dog");
        assertThat(root.getElementsByTagNameNS(DM_NS, "note").item(0).getTextContent()).isEqualTo("Walking the dog");
    }

    @Test
    void without_a_status_the_pidf_has_no_note() {
        String pidf = PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.of(XmppShow.DND), PUBLISHED);
        Element root = SafeXml.parse(pidf, MAX).getDocumentElement();
        assertThat(root.getElementsByTagNameNS(PIDF_NS, "note").getLength()).isZero();
        assertThat(root.getElementsByTagNameNS(DM_NS, "note").getLength()).isZero();
    }

    @Test
    void the_status_text_is_escaped_and_cannot_inject_markup() {
        String hostile = "</note><basic>closed</basic><note>\" entity='x' & <!-- ]]> <![CDATA[";
        String pidf = PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.of(XmppShow.ONLINE, hostile), PUBLISHED);

        Element root = SafeXml.parse(pidf, MAX).getDocumentElement();
        assertThat(root.getElementsByTagNameNS(PIDF_NS, "basic").getLength()).isEqualTo(1);
        assertThat(root.getElementsByTagNameNS(PIDF_NS, "note").item(0).getTextContent()).isEqualTo(hostile);
        assertThat(pidfToXmpp(pidf)).isEqualTo(XmppPresence.of(XmppShow.ONLINE, hostile));
    }

    @Test
    void characters_xml_cannot_carry_become_replacement_characters() {
        String pidf = PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.of(XmppShow.ONLINE, "bell\u0007 nul\u0000 lone\uD800"), PUBLISHED);
        assertThat(pidfToXmpp(pidf).status()).contains("bell\uFFFD nul\uFFFD lone\uFFFD");
    }

    @Test
    void the_existing_presence_documents_read_the_published_time_from_the_pidf() {
        String pidf = PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.of(XmppShow.XA, "Away for the week"), PUBLISHED);

        List<PresenceUpdate> updates = new PresenceDocuments(MAX).parse(ALICE_XMPP, PresenceDocuments.PIDF, pidf);

        assertThat(updates).singleElement().satisfies(update -> {
            assertThat(update.publishTime()).isEqualTo(PublishTime.of(PUBLISHED));
            assertThat(update.document()).isEqualTo(pidf);
        });
    }

    @Test
    void the_timestamp_is_utc_to_the_microsecond() {
        String pidf = PresenceMapping.toPidf(ALICE_XMPP, XmppPresence.offline(), Instant.parse("2025-03-01T12:00:00.123456789Z"));
        assertThat(pidf).contains("<timestamp>2025-03-01T12:00:00.123456Z</timestamp>")
                .contains("<dm:timestamp>2025-03-01T12:00:00.123456Z</dm:timestamp>");
    }

    // ---------------------------------------------------------------- refused bodies

    @Test
    @Timeout(10)
    void an_entity_expansion_bomb_is_refused() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE presence [\n<!ENTITY lol0 \"lollollollollollollollollollol\">\n");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i - 1) + ";").repeat(10)).append("\">\n");
        }
        String body = dtd + "]>\n" + pidf(tuple("t", "open", "<note>&lol9;</note>")).replaceFirst("<\\?xml[^>]*>\n", "");

        assertThatThrownBy(() -> pidfToXmpp(body)).isInstanceOf(PresenceDocumentException.class).hasMessageContaining("DOCTYPE");
    }

    @Test
    void an_external_entity_is_refused_without_reading_the_file() throws IOException {
        String secret = "BRIDGE-SECRET-93e1";
        Path file = Files.writeString(dir.resolve("secret.txt"), secret);
        String pidfBody = "<!DOCTYPE presence [<!ENTITY xxe SYSTEM \"" + file.toUri() + "\">]>"
                + "<presence xmlns=\"" + PIDF_NS + "\" entity=\"sip:bob@example.com\">" + tuple("t", "open", "<note>&xxe;</note>") + "</presence>";
        String msBody = "<!DOCTYPE categories [<!ENTITY xxe SYSTEM \"" + file.toUri() + "\">]>"
                + categories(msNote("&xxe;", "personal", "2025-03-01T11:00:00Z"));

        assertThatThrownBy(() -> pidfToXmpp(pidfBody)).isInstanceOf(PresenceDocumentException.class).message().doesNotContain(secret);
        assertThatThrownBy(() -> PresenceMapping.toXmpp(MS, msBody, MAX)).isInstanceOf(PresenceDocumentException.class)
                .message().doesNotContain(secret);
    }

    @Test
    void a_body_over_the_size_limit_is_refused() {
        String body = pidf(tuple("t", "open", "<note>" + "x".repeat(2_000) + "</note>"));
        assertThatThrownBy(() -> PresenceMapping.toXmpp(PIDF, body, 1_000)).isInstanceOf(PresenceDocumentException.class)
                .hasMessageContaining("limit");
        assertThat(PresenceMapping.toXmpp(PIDF, body, body.length()).show()).isEqualTo(XmppShow.ONLINE);
    }

    @ParameterizedTest(name = "content type [{0}]")
    @CsvSource(value = {"text/plain", "application/xpidf+xml", "''", "NULL"}, nullValues = "NULL")
    void an_unknown_content_type_is_refused(String contentType) {
        assertThatThrownBy(() -> PresenceMapping.toXmpp(contentType, pidf(tuple("t", "open", "")), MAX))
                .isInstanceOf(PresenceDocumentException.class).hasMessageContaining("content type");
    }

    @Test
    void malformed_xml_is_refused() {
        for (String body : List.of("", "not xml", "<presence xmlns=\"" + PIDF_NS + "\"><tuple id=\"t\">", "<presence><note>&undefined;</note></presence>")) {
            assertThatThrownBy(() -> pidfToXmpp(body)).as(body).isInstanceOf(PresenceDocumentException.class);
        }
    }

    @Test
    void a_body_of_the_other_type_is_refused_by_its_root() {
        assertThatThrownBy(() -> PresenceMapping.toXmpp(MS, pidf(tuple("t", "open", "")), MAX))
                .isInstanceOf(PresenceDocumentException.class).hasMessageContaining("categories");
        assertThatThrownBy(() -> pidfToXmpp(categories(aggregateState(3500))))
                .isInstanceOf(PresenceDocumentException.class).hasMessageContaining("presence");
    }

    @Test
    void a_missing_body_is_refused() {
        assertThatThrownBy(() -> PresenceMapping.toXmpp(PIDF, null, MAX)).isInstanceOf(PresenceDocumentException.class);
    }

    // ---------------------------------------------------------------- the value

    @ParameterizedTest
    @EnumSource(XmppShow.class)
    void only_offline_is_unavailable(XmppShow show) {
        assertThat(XmppPresence.of(show).available()).isEqualTo(show != XmppShow.OFFLINE);
    }

    @Test
    void a_blank_status_is_no_status() {
        assertThat(XmppPresence.of(XmppShow.AWAY, "  ")).isEqualTo(XmppPresence.of(XmppShow.AWAY));
        assertThat(XmppPresence.offline()).isEqualTo(new XmppPresence(XmppShow.OFFLINE, Optional.empty()));
    }
}
