package org.switchboard.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/** The configuration's {@link Secret} values: their keys, and records' text with them masked. */
public final class Secrets {

    private static final PropertyNamingStrategies.KebabCaseStrategy KEBAB = new PropertyNamingStrategies.KebabCaseStrategy();

    private Secrets() {
    }

    /** The dotted keys of every secret under {@code root} (e.g. {@code bridge.component-secret}), walking nested records. */
    public static Set<String> keys(Class<? extends Record> root) {
        Set<String> keys = new TreeSet<>();
        collect(root, "", keys);
        return keys;
    }

    private static void collect(Class<?> type, String prefix, Set<String> keys) {
        for (RecordComponent component : type.getRecordComponents()) {
            String key = prefix + KEBAB.translate(component.getName());
            if (component.isAnnotationPresent(Secret.class)) {
                keys.add(key);
            } else if (component.getType().isRecord()) {
                collect(component.getType(), key + ".", keys);
            }
        }
    }

    /** {@code record}'s text as a record prints itself, with every {@link Secret} component shown as {@code ***}. */
    public static String describe(Record record) {
        StringJoiner text = new StringJoiner(", ", record.getClass().getSimpleName() + "[", "]");
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            if (component.isAnnotationPresent(Secret.class)) {
                value = "***";
            } else {
                try {
                    value = component.getAccessor().invoke(record);
                } catch (IllegalAccessException | InvocationTargetException e) {
                    value = "?";
                }
            }
            text.add(component.getName() + "=" + value);
        }
        return text.toString();
    }
}
