package org.switchboard.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads the YAML configuration file into a {@link SwitchboardConfig}: defaults first, then the
 * file, then overrides (dotted keys such as {@code server.sip-port}, e.g. from the runner's
 * command line). Anything unknown, mistyped or out of range is a {@link ConfigException} naming
 * the file and the key.
 */
public final class ConfigLoader {

    /** The largest configuration file read, in code points (64 Mi: over a million endpoints). */
    static final int MAX_CODE_POINTS = 64 * 1024 * 1024;

    private final YAMLMapper mapper;

    public ConfigLoader() {
        // SnakeYAML refuses documents over 3 M code points by default; a platform with 100,000 endpoints needs
        // about 5 MB of YAML. The bound stays, higher (the file is the operator's own, not the network's).
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        mapper = YAMLMapper.builder(YAMLFactory.builder().loaderOptions(options).build())
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .build();
        // A number where text belongs, or text where a number belongs, is a mistake worth stopping for.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    }

    public SwitchboardConfig load(Path file) {
        return load(file, Map.of());
    }

    /**
     * The file over the defaults, then the changes made at run time ({@link ConfigOverlay}, when the file has one), then
     * {@code overrides} (the runner's command line). The file is validated on its own first, so that an error names
     * the file it is in.
     */
    public SwitchboardConfig load(Path file, Map<String, String> overrides) {
        ObjectNode tree = mapper.valueToTree(SwitchboardConfig.defaults());
        merge(tree, readFile(file));
        Path overlay = ConfigOverlay.of(file);
        if (Files.exists(overlay)) {
            ConfigValidator.validate(file, bind(file, tree));
            Map<String, String> changes = readOverlay(overlay);
            changes.forEach((key, value) -> override(overlay, tree, key, value));
            ConfigValidator.validate(overlay, bind(overlay, tree));
        }
        overrides.forEach((key, value) -> override(file, tree, key, value));
        SwitchboardConfig config = bind(file, tree);
        ConfigValidator.validate(file, config);
        return config;
    }

    /** The changes an overlay holds, dotted key → value as YAML flow text, in the file's order. */
    public Map<String, String> readOverlay(Path overlay) {
        Map<String, String> changes = new java.util.LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = readFile(overlay).fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            changes.put(field.getKey(), value.isTextual() ? value.textValue() : value.toString());
        }
        return changes;
    }

    /**
     * {@code current} with one key changed (its value written as in the file, e.g. {@code 0.3} or {@code [5, 10]}),
     * validated as a whole exactly like a file; a {@link ConfigException} names {@code origin} and the key.
     */
    public SwitchboardConfig change(SwitchboardConfig current, Path origin, String key, String value) {
        ObjectNode tree = mapper.valueToTree(current);
        override(origin, tree, key, value);
        SwitchboardConfig config = bind(origin, tree);
        ConfigValidator.validate(origin, config);
        return config;
    }

    /** The value of a dotted key in {@code config}, as a tree node (missing node when there is no such key). */
    public JsonNode valueOf(SwitchboardConfig config, String key) {
        JsonNode node = mapper.valueToTree(config);
        if (key.isEmpty()) {
            return node;
        }
        for (String part : key.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    private ObjectNode readFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "", "the file does not exist");
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(file, "", "the file cannot be read (" + e + ")");
        }
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, "", "not valid YAML at " + yamlProblem(e));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(file, "", "the top level must be a mapping of sections, found " + root.getNodeType());
        }
        return (ObjectNode) root;
    }

    /**
     * The parser's problem in one line: SnakeYAML's message spans several lines (a context, an excerpt
     * of the file with a caret, the problem), which breaks the one-line promise of start-up errors.
     */
    private static String yamlProblem(JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark at = marked.getProblemMark();
                String where = "line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1) + ": " + oneLine(marked.getProblem());
                Mark context = marked.getContextMark();
                if (marked.getContext() != null && context != null) {
                    where += " (in the " + oneLine(marked.getContext()).replaceFirst("^while (parsing|scanning) (a |an )?", "")
                            + " that starts at line " + (context.getLine() + 1) + ", column " + (context.getColumn() + 1) + ")";
                }
                return where;
            }
        }
        String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
        return where + oneLine(e.getOriginalMessage());
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** Copies {@code from} onto {@code into}; an empty section keeps its defaults. */
    private static void merge(ObjectNode into, ObjectNode from) {
        Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode current = into.get(field.getKey());
            JsonNode value = field.getValue();
            if (current != null && current.isObject() && value.isObject()) {
                merge((ObjectNode) current, (ObjectNode) value);
            } else if (current != null && current.isObject() && isEmpty(value)) {
                continue;
            } else {
                into.set(field.getKey(), value);
            }
        }
    }

    /** {@code server:} with nothing under it reads as null or as empty text, depending on the YAML. */
    private static boolean isEmpty(JsonNode value) {
        return value.isNull() || (value.isTextual() && value.asText().isEmpty());
    }

    private void override(Path file, ObjectNode tree, String key, String value) {
        String[] parts = key.split("\\.");
        ObjectNode section = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = section.get(parts[i]);
            if (next == null || !next.isObject()) {
                throw new ConfigException(file, key, "unknown key");
            }
            section = (ObjectNode) next;
        }
        JsonNode parsed;
        try {
            parsed = mapper.readTree(value);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, key, "the value '" + value + "' is not valid");
        }
        section.set(parts[parts.length - 1], parsed == null ? JsonNodeFactory.instance.textNode(value) : parsed);
    }

    private SwitchboardConfig bind(Path file, ObjectNode tree) {
        return bindSection(file, "", tree, SwitchboardConfig.class);
    }

    /**
     * Binds one section of the file (for example an endpoint's {@code settings}) to {@code type}
     * with the same strictness as the whole file; errors name {@code keyPrefix} plus the key inside.
     */
    public <T> T bindSection(Path file, String keyPrefix, JsonNode section, Class<T> type) {
        try {
            return mapper.treeToValue(section, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(file, keyOf(keyPrefix, e), e.getKnownPropertyIds().isEmpty()
                    ? "unknown key (no keys are allowed here)"
                    : "unknown key (known keys here: " + known(e.getKnownPropertyIds()) + ")");
        } catch (InvalidFormatException e) {
            throw new ConfigException(file, keyOf(keyPrefix, e), "expected " + describe(e.getTargetType()) + ", found '" + e.getValue() + "'");
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ConfigException(file, keyOf(keyPrefix, e), cause.getMessage());
        } catch (MismatchedInputException e) {
            throw new ConfigException(file, keyOf(keyPrefix, e), "expected " + describe(e.getTargetType()));
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, e instanceof JsonMappingException m ? keyOf(keyPrefix, m) : keyPrefix, e.getOriginalMessage());
        }
    }

    private static String keyOf(String prefix, JsonMappingException e) {
        String inner = keyOf(e);
        if (prefix.isEmpty()) {
            return inner;
        }
        return inner.isEmpty() ? prefix : inner.startsWith("[") ? prefix + inner : prefix + "." + inner;
    }

    private static String keyOf(JsonMappingException e) {
        StringBuilder key = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (key.length() > 0) {
                    key.append('.');
                }
                key.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                key.append('[').append(ref.getIndex()).append(']');
            }
        }
        return key.toString();
    }

    private static String known(Collection<Object> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.toCollection(TreeSet::new)).stream()
                .collect(Collectors.joining(", "));
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "text";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.stream(type.getEnumConstants())
                    .map(c -> c.toString().toLowerCase(java.util.Locale.ROOT)).collect(Collectors.joining(", "));
        }
        if (type.isRecord()) {
            return "a section (a mapping of keys)";
        }
        return "a value of type " + type.getSimpleName();
    }
}
