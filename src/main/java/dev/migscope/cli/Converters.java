package dev.migscope.cli;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.remote.SshTarget;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers for command-line values; a bad value is a usage error naming what is valid. */
final class Converters {

    private Converters() {
    }

    /** A state name as the uAPI spells it (any case, with or without VFIO_DEVICE_STATE_). */
    static final class State implements ITypeConverter<MigState> {
        @Override
        public MigState convert(String value) {
            return MigState.parse(value).orElseThrow(() -> new TypeConversionException("unknown state '" + value
                    + "'; valid states: " + String.join(", ", Arrays.stream(MigState.values())
                            .map(Enum::name).toList())));
        }
    }

    /** A tap's end: {@code unix:PATH} or {@code tcp:HOST:PORT}. */
    static final class TapUri implements ITypeConverter<dev.migscope.stream.TapEndpoint> {
        @Override
        public dev.migscope.stream.TapEndpoint convert(String value) {
            try {
                return dev.migscope.stream.TapEndpoint.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code LISTEN=FORWARD}, two tap URIs ({@code attach --tap}). */
    static final class TapEnds implements ITypeConverter<dev.migscope.attachtap.AttachTap.Ends> {
        @Override
        public dev.migscope.attachtap.AttachTap.Ends convert(String value) {
            try {
                return dev.migscope.attachtap.AttachTap.Ends.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code stop-copy[,p2p][,pre-copy]}. */
    static final class Features implements ITypeConverter<MigFeatures> {
        @Override
        public MigFeatures convert(String value) {
            try {
                return MigFeatures.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}, or ISO-8601 ({@code PT10S}). */
    static final class Time implements ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|min)?");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            Matcher m = SIMPLE.matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    default -> Duration.ofMinutes(n);
                };
            }
            try {
                Duration d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // falls through to the message below
            }
            throw new TypeConversionException("'" + value + "' is not a duration; write e.g. 500ms, 10s, 2m or PT10S");
        }
    }

    /** {@code --host [USER@]HOST[:PORT]}: nothing ssh would read as an option or a shell as syntax. */
    static final class Host implements ITypeConverter<SshTarget> {
        @Override
        public SshTarget convert(String value) {
            try {
                return SshTarget.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
