package org.switchboard.endpoint.builtin;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;

/**
 * {@code bean: forwarder} — rule-based re-dispatch, meant as the default routing endpoint: the first
 * rule whose header value matches hands the request to the endpoint owning its target; when none
 * matches the request is answered {@code otherwise} (404 unless configured).
 */
@Named("forwarder")
@Dependent
public class ForwardingEndpoint implements EndpointBehavior {

    /** One rule: a SIP header, a regular expression found in its value, and the AOR to hand the request to. */
    public record Rule(String header, String pattern, String target) {
        // Missing parts are refused by Settings: the binder reports a misspelt key only after this
        // constructor has run, and "patern: x" must be named as such, not as a missing pattern.
        public Rule {
            if (pattern != null) {
                try {
                    Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("pattern is not a valid regular expression: " + e.getDescription());
                }
            }
            if (target != null) {
                Aor.parse(target);
            }
        }

        boolean complete() {
            return header != null && !header.isBlank() && pattern != null && target != null;
        }
    }

    /** {@code settings:} of a forwarder. */
    public record Settings(List<Rule> rules, Integer otherwise) {
        public Settings {
            rules = rules == null ? List.of() : List.copyOf(rules);
            for (int i = 0; i < rules.size(); i++) {
                if (!rules.get(i).complete()) {
                    throw new IllegalArgumentException("rules[" + i + "] needs header, pattern and target");
                }
            }
            otherwise = otherwise == null ? 404 : otherwise;
        }
    }

    private record CompiledRule(String header, Pattern pattern, Aor target) {
    }

    private List<CompiledRule> rules;
    private int otherwise;

    @Override
    public void start(Endpoint endpoint) {
        Settings settings = endpoint.settings(Settings.class);
        rules = settings.rules().stream()
                .map(r -> new CompiledRule(r.header(), Pattern.compile(r.pattern()), Aor.parse(r.target())))
                .toList();
        otherwise = settings.otherwise();
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        for (CompiledRule rule : rules) {
            Optional<String> value = request.header(rule.header());
            if (value.isPresent() && rule.pattern().matcher(value.get()).find()) {
                request.redispatch(rule.target());
                return;
            }
        }
        if (otherwise == 404) {
            request.reply(404, "No matching endpoint");
        } else {
            request.reply(otherwise);
        }
    }
}
