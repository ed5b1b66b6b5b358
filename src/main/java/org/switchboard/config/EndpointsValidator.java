package org.switchboard.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointId;

/**
 * The rules for the {@code endpoints} list: every AOR parses, an application AOR is owned once, a
 * user endpoint has an epid unique for its user, names are unique, and at most one endpoint is the
 * default routing endpoint. Beans and their settings: {@link EndpointBeanCheck}.
 */
final class EndpointsValidator {

    private EndpointsValidator() {
    }

    static void validate(Path file, List<EndpointSettings> endpoints) {
        Map<Aor, String> applicationOwners = new HashMap<>();
        Map<Aor, EndpointSettings.Kind> kinds = new HashMap<>();
        Map<String, String> userEndpoints = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        String defaultRouting = null;
        for (int i = 0; i < endpoints.size(); i++) {
            EndpointSettings e = endpoints.get(i);
            String at = "endpoints[" + i + "]";
            if (e.aor() == null || e.aor().isBlank()) {
                throw new ConfigException(file, at + ".aor", "every endpoint needs the AOR it owns, e.g. sip:bot@example.com");
            }
            Aor aor;
            try {
                aor = Aor.parse(e.aor());
            } catch (IllegalArgumentException bad) {
                throw new ConfigException(file, at + ".aor", "not a SIP address of record: " + bad.getMessage());
            }
            if (e.bean() == null || e.bean().isBlank()) {
                throw new ConfigException(file, at + ".bean", "every endpoint needs the name of the bean that implements it (shipped: echo, forwarder, presence-monitor, reject)");
            }
            EndpointSettings.Kind earlier = kinds.putIfAbsent(aor, e.kind());
            if (earlier != null && earlier != e.kind()) {
                throw new ConfigException(file, at + ".kind", "the AOR " + aor + " already belongs to " + earlier.id() + " endpoints");
            }
            if (e.kind() == EndpointSettings.Kind.APPLICATION) {
                if (e.registers()) {
                    throw new ConfigException(file, at + ".register", "only user endpoints register (this one is an application endpoint)");
                }
                if (e.epid() != null) {
                    throw new ConfigException(file, at + ".epid", "only user endpoints have an epid");
                }
                if (e.poolSize() < 1) {
                    throw new ConfigException(file, at + ".instances", "expected at least 1, found " + e.poolSize());
                }
                String owner = applicationOwners.putIfAbsent(aor, at);
                if (owner != null) {
                    throw new ConfigException(file, at + ".aor", "duplicate AOR " + aor + ": " + owner + " owns it already (use instances for a pool)");
                }
            } else {
                if (e.instances() != null && e.instances() != 1) {
                    throw new ConfigException(file, at + ".instances", "a user endpoint is one instance");
                }
                if (e.epid() == null || e.epid().isBlank()) {
                    throw new ConfigException(file, at + ".epid", "a user endpoint needs its epid (endpoint id), unique for its user");
                }
                try {
                    new EndpointId(e.epid());
                } catch (IllegalArgumentException bad) {
                    throw new ConfigException(file, at + ".epid", bad.getMessage());
                }
                String key = aor + ";epid=" + e.epid().toLowerCase(java.util.Locale.ROOT);
                String owner = userEndpoints.putIfAbsent(key, at);
                if (owner != null) {
                    throw new ConfigException(file, at + ".epid", "duplicate epid " + e.epid() + " for " + aor + ": " + owner + " has it already");
                }
            }
            String sameName = names.putIfAbsent(e.effectiveName(), at);
            if (sameName != null) {
                throw new ConfigException(file, at + ".name", "duplicate endpoint name '" + e.effectiveName() + "' (also " + sameName + ")");
            }
            if (e.isDefaultRouting()) {
                if (defaultRouting != null) {
                    throw new ConfigException(file, at + ".default-routing", "a second default routing endpoint; " + defaultRouting + " is one already (at most one per platform)");
                }
                defaultRouting = at;
            }
            if (!e.settings().isObject()) {
                throw new ConfigException(file, at + ".settings", "expected a section (a mapping of keys)");
            }
        }
    }
}
