package org.switchboard.bench;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.switchboard.dispatch.routing.ConversationRegistry;
import org.switchboard.dispatch.routing.EndpointRef;
import org.switchboard.dispatch.routing.IncomingRequest;
import org.switchboard.dispatch.routing.Router;
import org.switchboard.dispatch.routing.RoutingDecision;
import org.switchboard.dispatch.routing.RoutingTable;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;

/**
 * The routing decision with many endpoints: half application endpoints, half user endpoints (two per
 * user). Each benchmark cycles over pre-built requests for different endpoints, so lookups are not
 * served from one hot entry; "parse_and_route" includes reading the URIs from text as the servlet does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {

    private static final int REQUESTS = 1024;

    @Param({"10000"})
    public int endpoints;

    private Router router;
    private IncomingRequest[] byAor;
    private IncomingRequest[] byGruu;
    private IncomingRequest[] byEpid;
    private IncomingRequest[] byHeader;
    private IncomingRequest[] byConversation;
    private IncomingRequest[] ambiguousByConversation;
    private IncomingRequest[] noMatch;
    private String[][] wire;
    private int next;

    @Setup
    public void setUp() {
        RoutingTable table = new RoutingTable();
        ConversationRegistry conversations = new ConversationRegistry(Clock.systemUTC(), Duration.ofHours(1), 100_000);
        router = new Router(table, conversations);
        List<EndpointRef> applications = new ArrayList<>();
        List<EndpointRef> users = new ArrayList<>();
        for (int i = 0; i < endpoints / 2; i++) {
            EndpointRef app = EndpointRef.application("app" + i, Aor.parse("sip:app" + i + "@example.com"));
            table.add(app);
            applications.add(app);
        }
        for (int i = 0; i < endpoints / 4; i++) {
            Aor user = Aor.parse("sip:user" + i + "@example.com");
            for (String epid : new String[] {"a" + i, "b" + i}) {
                EndpointRef ref = EndpointRef.user("user" + i + "-" + epid, user, new EndpointId(epid));
                table.add(ref);
                users.add(ref);
            }
        }
        SipUri from = SipUri.parse("sip:caller@example.org");
        byAor = new IncomingRequest[REQUESTS];
        byGruu = new IncomingRequest[REQUESTS];
        byEpid = new IncomingRequest[REQUESTS];
        byHeader = new IncomingRequest[REQUESTS];
        byConversation = new IncomingRequest[REQUESTS];
        ambiguousByConversation = new IncomingRequest[REQUESTS];
        noMatch = new IncomingRequest[REQUESTS];
        wire = new String[REQUESTS][];
        SipUri nobody = SipUri.parse("sip:nobody@example.com");
        for (int i = 0; i < REQUESTS; i++) {
            EndpointRef app = applications.get((i * 7919) % applications.size());
            EndpointRef user = users.get((i * 104729) % users.size());
            byAor[i] = request(Optional.empty(), app.owner().uri(), Optional.empty(), Optional.empty(), from);
            byGruu[i] = request(Optional.empty(), user.gruu().uri(), Optional.empty(), Optional.empty(), from);
            byEpid[i] = request(Optional.empty(), user.owner().uri(), user.endpointId(), Optional.empty(), from);
            byHeader[i] = request(Optional.of(app.owner().uri()), nobody, Optional.empty(), Optional.empty(), from);
            ConversationId conversation = new ConversationId("conv-" + i);
            conversations.remember(conversation, app);
            byConversation[i] = request(Optional.empty(), nobody, Optional.empty(), Optional.of(conversation), from);
            // A user's AOR (two user endpoints, no epid) narrowed by a conversation one of them handles.
            ConversationId userConversation = new ConversationId("user-conv-" + i);
            conversations.remember(userConversation, user);
            ambiguousByConversation[i] = request(Optional.empty(), user.owner().uri(), Optional.empty(),
                    Optional.of(userConversation), from);
            noMatch[i] = request(Optional.empty(), SipUri.parse("sip:nobody" + i + "@example.com"), Optional.empty(),
                    Optional.empty(), from);
            wire[i] = new String[] {"<" + app.owner().uri() + ">;tag=abc", "\"Caller\" <sip:caller@example.org>;tag=1"};
        }
    }

    private static IncomingRequest request(Optional<SipUri> header, SipUri to, Optional<EndpointId> epid,
            Optional<ConversationId> conversation, SipUri from) {
        return new IncomingRequest("MESSAGE", true, header, to, epid, conversation, from);
    }

    private int index() {
        next = (next + 1) & (REQUESTS - 1);
        return next;
    }

    @Benchmark
    public RoutingDecision to_aor() {
        return router.route(byAor[index()]);
    }

    @Benchmark
    public RoutingDecision to_gruu() {
        return router.route(byGruu[index()]);
    }

    @Benchmark
    public RoutingDecision to_aor_with_epid() {
        return router.route(byEpid[index()]);
    }

    @Benchmark
    public RoutingDecision ms_application_aor() {
        return router.route(byHeader[index()]);
    }

    @Benchmark
    public RoutingDecision conversation_id() {
        return router.route(byConversation[index()]);
    }

    @Benchmark
    public RoutingDecision ambiguous_aor_narrowed_by_conversation_id() {
        return router.route(ambiguousByConversation[index()]);
    }

    @Benchmark
    public RoutingDecision no_match_404() {
        return router.route(noMatch[index()]);
    }

    @Benchmark
    public RoutingDecision parse_and_route() {
        String[] headers = wire[index()];
        SipUri to = SipUri.fromNameAddr(headers[0]);
        SipUri from = SipUri.fromNameAddr(headers[1]);
        return router.route(new IncomingRequest("MESSAGE", true, Optional.empty(), to, Optional.empty(), Optional.empty(), from));
    }
}
