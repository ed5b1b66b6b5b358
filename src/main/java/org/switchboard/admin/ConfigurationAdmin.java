package org.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ReflectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.Secrets;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.platform.Tunables;

/**
 * Every tunable value of the configuration as an MBean attribute, named after its key in CamelCase
 * ({@code presence.views.retry-jitter} → {@code PresenceViewsRetryJitter}). Keys in {@link Tunables#WRITABLE} are
 * writable and take effect at once; the others are read-only, since a change needs a restart. Lists and
 * mappings read as JSON text and are written the same way ({@code [5, 15]}, or {@code 5, 15}). Secrets (every value
 * marked {@link org.switchboard.config.Secret}) and the endpoint list (see {@code listEndpoints}) are not attributes.
 */
final class ConfigurationAdmin implements DynamicMBean {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationAdmin.class);

    private static final Set<String> NOT_ATTRIBUTES = notAttributes();

    private static Set<String> notAttributes() {
        Set<String> keys = new java.util.HashSet<>(Secrets.keys(SwitchboardConfig.class));
        keys.add("endpoints");
        return Set.copyOf(keys);
    }

    private record Snapshot(SwitchboardConfig config, JsonNode tree) {
    }

    private volatile Snapshot snapshot;

    private record Key(String key, String type, boolean writable) {
    }

    private final Tunables tunables;
    private final ConfigLoader loader = new ConfigLoader();
    /** By attribute name, in the configuration file's order. */
    private final Map<String, Key> keys = new LinkedHashMap<>();

    ConfigurationAdmin(Tunables tunables) {
        this.tunables = tunables;
        collect("", loader.valueOf(SwitchboardConfig.defaults(), ""));
    }

    private void collect(String prefix, JsonNode node) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (NOT_ATTRIBUTES.contains(key)) {
                continue;
            }
            if (field.getValue().isObject()) {
                collect(key, field.getValue());
            } else {
                keys.put(attributeName(key), new Key(key, typeOf(field.getValue()), Tunables.WRITABLE.contains(key)));
            }
        }
    }

    /** {@code presence.views.retry-jitter} → {@code PresenceViewsRetryJitter}. */
    static String attributeName(String key) {
        StringBuilder name = new StringBuilder();
        for (String word : key.split("[.-]")) {
            name.append(word.substring(0, 1).toUpperCase(Locale.ROOT)).append(word.substring(1));
        }
        return name.toString();
    }

    private static String typeOf(JsonNode value) {
        if (value.isInt()) {
            return Integer.class.getName();
        }
        if (value.isNumber()) {
            return Double.class.getName();
        }
        if (value.isBoolean()) {
            return Boolean.class.getName();
        }
        return String.class.getName();
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        Key key = keys.get(attribute);
        if (key == null) {
            throw new AttributeNotFoundException("No attribute " + attribute);
        }
        JsonNode value = tree();
        for (String part : key.key().split("\\.")) {
            value = value.path(part);
        }
        return switch (key.type()) {
            case "java.lang.Integer" -> value.intValue();
            case "java.lang.Double" -> value.doubleValue();
            case "java.lang.Boolean" -> value.booleanValue();
            default -> value.isTextual() ? value.textValue() : value.toString();
        };
    }

    /**
     * The configuration in force as a tree, made once per configuration (a change makes a new one), so that a console
     * reading every attribute does not serialise the whole configuration once per attribute.
     */
    private JsonNode tree() {
        SwitchboardConfig current = tunables.current();
        Snapshot seen = snapshot;
        if (seen == null || seen.config() != current) {
            seen = new Snapshot(current, loader.valueOf(current, ""));
            snapshot = seen;
        }
        return seen.tree();
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException, InvalidAttributeValueException {
        Key key = keys.get(attribute.getName());
        if (key == null) {
            throw new AttributeNotFoundException("No attribute " + attribute.getName());
        }
        if (!key.writable()) {
            throw new AttributeNotFoundException(attribute.getName() + " (" + key.key() + ") is read-only: a change needs a restart");
        }
        Object value = attribute.getValue();
        if (value == null) {
            throw new InvalidAttributeValueException(key.key() + ": a value is needed");
        }
        String text = String.valueOf(value).trim();
        if (key.type().equals(String.class.getName()) && !text.startsWith("[")) {
            text = "[" + text + "]"; // the writable text keys are lists
        }
        try {
            tunables.change(key.key(), text);
        } catch (ConfigException | IllegalArgumentException e) {
            // Some JMX bridges (Jolokia) replace the message with their own: the log keeps the reason.
            LOG.warn("Configuration change refused: {}", e.getMessage());
            throw new InvalidAttributeValueException(e.getMessage());
        }
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        for (String name : attributes) {
            try {
                list.add(new Attribute(name, getAttribute(name)));
            } catch (AttributeNotFoundException e) {
                // left out, as the JMX contract says
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        AttributeList set = new AttributeList();
        for (Attribute attribute : attributes.asList()) {
            try {
                setAttribute(attribute);
                set.add(new Attribute(attribute.getName(), getAttribute(attribute.getName())));
            } catch (AttributeNotFoundException | InvalidAttributeValueException e) {
                // left out, as the JMX contract says
            }
        }
        return set;
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws MBeanException, ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(actionName), "The configuration MBean has no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        List<MBeanAttributeInfo> attributes = new ArrayList<>();
        keys.forEach((name, key) -> attributes.add(new MBeanAttributeInfo(name, key.type(),
                key.key() + (key.writable() ? " (writable: takes effect at once)" : " (read-only: a change needs a restart)"),
                true, key.writable(), false)));
        return new MBeanInfo(getClass().getName(), "Switchboard's configuration in force: tunable values writable, the rest read-only",
                attributes.toArray(MBeanAttributeInfo[]::new), null, new MBeanOperationInfo[0], null);
    }

    /** Attribute name to key and whether it is writable, for documentation and tests. */
    Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        keys.forEach((name, key) -> out.put(name, key.key() + (key.writable() ? " rw" : " ro")));
        return out;
    }
}
