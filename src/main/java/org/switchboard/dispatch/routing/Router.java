package org.switchboard.dispatch.routing;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.Gruu;
import org.switchboard.endpoint.SipUri;

/**
 * Decides which endpoint an incoming request goes to, applying the dispatch rules of PRODUCT.md §B in
 * order: {@code Ms-Application-Aor}, then the To URI (GRUU, or AOR narrowed by epid), then
 * {@code Ms-Conversation-ID} whenever the To URI does not single out one endpoint: it picks among the To URI's
 * several matches, or among all endpoints when the To URI matches none. An {@code Ms-Application-Aor} header
 * decides alone, even when it finds none.
 */
public final class Router {

    static final RoutingDecision.Rejected NO_MATCHING_ENDPOINT = new RoutingDecision.Rejected(404, "No matching endpoint");
    static final RoutingDecision.Rejected AMBIGUOUS = new RoutingDecision.Rejected(485, "Ambiguous");
    static final RoutingDecision.Rejected UNKNOWN_DIALOG = new RoutingDecision.Rejected(481, "Call/Transaction Does Not Exist");

    /** Methods that exist only inside a dialog: BYE (RFC 3261), PRACK (RFC 3262), UPDATE (RFC 3311). */
    private static final Set<String> DIALOG_ONLY_METHODS = Set.of("BYE", "PRACK", "UPDATE");

    /** The endpoints one rule found. */
    private record Match(Rule rule, List<EndpointRef> endpoints) {
    }

    private final RoutingTable table;
    private final ConversationRegistry conversations;

    public Router(RoutingTable table, ConversationRegistry conversations) {
        this.table = Objects.requireNonNull(table, "table");
        this.conversations = Objects.requireNonNull(conversations, "conversations");
    }

    /**
     * Routes a request. A delivered request that carries a conversation id teaches the conversation
     * registry that the endpoint handles that conversation.
     */
    public RoutingDecision route(IncomingRequest request) {
        Match match = request.applicationAor()
                .map(aor -> new Match(Rule.APPLICATION_AOR_HEADER, table.ownedBy(Aor.of(aor))))
                .orElseGet(() -> byToUri(request)
                        .map(to -> to.endpoints().size() > 1 ? narrowedByConversation(request, to) : to)
                        .orElseGet(() -> byConversation(request, List.of())));
        return decide(request, match, true);
    }

    /**
     * The answer to a request of a method that exists only inside a dialog (BYE, PRACK, UPDATE) when it arrives
     * outside any dialog; empty for every other method. Such a request is never given to an endpoint.
     */
    public static Optional<RoutingDecision.Rejected> outsideItsDialog(String method) {
        return DIALOG_ONLY_METHODS.contains(method) ? Optional.of(UNKNOWN_DIALOG) : Optional.empty();
    }

    /**
     * Sends a request on to the endpoint owning {@code target}, for the default routing endpoint's own
     * dispatch rules. Never falls back to the default routing endpoint, which would loop.
     */
    public RoutingDecision redispatch(IncomingRequest request, Aor target) {
        return decide(request, new Match(Rule.REDISPATCHED, table.ownedBy(target)), false);
    }

    /** Rule 2; empty when it finds no endpoint, so that rule 3 is tried. */
    private Optional<Match> byToUri(IncomingRequest request) {
        SipUri to = request.to();
        List<EndpointRef> found;
        Rule rule;
        if (to.parameter("gr").isPresent()) {
            rule = Rule.TO_GRUU;
            found = Gruu.from(to).flatMap(table::byGruu).map(List::of).orElse(List.of());
        } else {
            rule = Rule.TO_AOR;
            Aor owner = Aor.of(to);
            found = request.endpointId()
                    .map(epid -> table.byEndpointId(owner, epid).map(List::of).orElse(List.<EndpointRef>of()))
                    .orElseGet(() -> table.ownedBy(owner));
            if (found.isEmpty()) {
                Optional<EndpointRef> domain = table.byDomain(to.host());
                if (domain.isPresent()) {
                    rule = Rule.TO_DOMAIN;
                    found = List.of(domain.get());
                }
            }
        }
        return found.isEmpty() ? Optional.empty() : Optional.of(new Match(rule, found));
    }

    /** Rule 3 among the several endpoints the To URI matched; the To URI's match stands when rule 3 finds none of them. */
    private Match narrowedByConversation(IncomingRequest request, Match to) {
        Match narrowed = byConversation(request, to.endpoints());
        return narrowed.endpoints().isEmpty() ? to : narrowed;
    }

    /**
     * Rule 3: the endpoints handling the request's conversation, among {@code candidates} when there are any
     * (the To URI's matches). When several endpoints handle the conversation, those not acting for the sender are
     * preferred: the request is going to the other side.
     */
    private Match byConversation(IncomingRequest request, List<EndpointRef> candidates) {
        Optional<ConversationId> conversation = request.conversationId();
        if (conversation.isEmpty()) {
            return new Match(Rule.CONVERSATION_ID, List.of());
        }
        List<EndpointRef> handlers = conversations.handlersOf(conversation.get()).stream()
                .flatMap(this::stillServing)
                .filter(e -> candidates.isEmpty() || candidates.contains(e))
                .distinct()
                .toList();
        if (handlers.size() > 1) {
            Aor sender = Aor.of(request.from());
            List<EndpointRef> notSender = handlers.stream().filter(e -> !e.owner().equals(sender)).toList();
            if (!notSender.isEmpty()) {
                handlers = notSender;
            }
        }
        return new Match(Rule.CONVERSATION_ID, handlers);
    }

    /**
     * The handler if it is still registered. A pool member that left hands its conversations to its pool,
     * since any member can serve them; a user endpoint that left takes its conversations with it.
     */
    private Stream<EndpointRef> stillServing(EndpointRef handler) {
        if (table.isRegistered(handler)) {
            return Stream.of(handler);
        }
        if (handler.kind() == EndpointRef.Kind.APPLICATION) {
            return table.ownedBy(handler.owner()).stream().filter(e -> e.kind() == EndpointRef.Kind.APPLICATION);
        }
        return Stream.empty();
    }

    private RoutingDecision decide(IncomingRequest request, Match match, boolean defaultAllowed) {
        List<EndpointRef> endpoints = match.endpoints();
        if (endpoints.size() == 1) {
            EndpointRef endpoint = endpoints.get(0);
            request.conversationId().ifPresent(id -> conversations.remember(id, endpoint));
            return new RoutingDecision.Delivered(endpoint, match.rule());
        }
        RoutingDecision.Reason reason = endpoints.isEmpty() ? RoutingDecision.Reason.NO_MATCH : RoutingDecision.Reason.AMBIGUOUS;
        Optional<EndpointRef> defaultEndpoint = defaultAllowed ? table.defaultRoutingEndpoint() : Optional.empty();
        if (defaultEndpoint.isPresent()) {
            return new RoutingDecision.DefaultRouted(defaultEndpoint.get(), reason);
        }
        if (reason == RoutingDecision.Reason.AMBIGUOUS) {
            return AMBIGUOUS;
        }
        return request.initial() ? NO_MATCHING_ENDPOINT : UNKNOWN_DIALOG;
    }
}
