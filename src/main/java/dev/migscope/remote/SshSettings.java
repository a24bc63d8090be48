package dev.migscope.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How migscope runs ssh (docs/REMOTE.md): the system's OpenSSH client, {@code -T} (no terminal),
 * then {@code BatchMode=yes} and {@code StrictHostKeyChecking=yes}, then the user's extra options,
 * then migscope's defaults for timeouts, then the destination and the far side's command. ssh keeps
 * an option's first value, from the command line before any config file: nothing after the first
 * two turns them off (no password or passphrase asked, an unknown or changed host key refused,
 * whatever {@code -F} file or spelling follows), and the user's options come before the timeouts
 * so that theirs win.
 *
 * @param ssh           the ssh program ({@code MIGSCOPE_SSH}, default {@code ssh})
 * @param options       extra ssh arguments ({@code MIGSCOPE_SSH_OPTS}, split at spaces), e.g.
 *                      {@code -F ~/lab/ssh_config} or {@code -o UserKnownHostsFile=...}
 * @param remoteCommand the far side's command ({@code MIGSCOPE_REMOTE_COMMAND}, default
 *                      {@code migscope agent}), words of path characters only
 * @param timeout       how long the greeting may take, and the far side may be silent while a
 *                      request waits ({@code MIGSCOPE_SSH_TIMEOUT}, seconds, default 30)
 */
public record SshSettings(String ssh, List<String> options, List<String> remoteCommand, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Put after the user's options: ssh takes the first value, so a user's own ConnectTimeout wins. */
    static final List<String> TIMEOUT_DEFAULTS = List.of("-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=3");

    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_./=:+-]+");

    public SshSettings {
        options = List.copyOf(options);
        remoteCommand = List.copyOf(remoteCommand);
        String refused = hostKeyProblem(options);
        if (refused != null) {
            throw new IllegalArgumentException("MIGSCOPE_SSH_OPTS: " + refused + " is refused: migscope never turns "
                    + "host-key checking off (it runs ssh with StrictHostKeyChecking=yes first); add the host's key "
                    + "to known_hosts instead (ssh-keyscan, then compare the fingerprint)");
        }
        for (String w : remoteCommand) {
            if (!WORD.matcher(w).matches() || w.isEmpty()) {
                throw new IllegalArgumentException("MIGSCOPE_REMOTE_COMMAND: " + SshTarget.quoted(w)
                        + " is refused: the far side's command is words of letters, digits and _ . / = : + - only");
            }
        }
        if (remoteCommand.isEmpty()) {
            throw new IllegalArgumentException("MIGSCOPE_REMOTE_COMMAND is empty; unset it for `migscope agent`");
        }
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("MIGSCOPE_SSH_TIMEOUT: " + timeout.toMillis() + " ms is refused: the far "
                    + "side says it is alive once a second, so the wait is at least 1 s");
        }
    }

    public SshSettings(String ssh, List<String> options, List<String> remoteCommand) {
        this(ssh, options, remoteCommand, DEFAULT_TIMEOUT);
    }

    public static SshSettings defaults() {
        return new SshSettings("ssh", List.of(), List.of("migscope", "agent"));
    }

    /** The same, with another {@link #timeout}. */
    public SshSettings withTimeout(Duration t) {
        return new SshSettings(ssh, options, remoteCommand, t);
    }

    /** From MIGSCOPE_SSH, MIGSCOPE_SSH_OPTS, MIGSCOPE_REMOTE_COMMAND and MIGSCOPE_SSH_TIMEOUT where set. */
    public static SshSettings fromEnvironment(Map<String, String> env) {
        SshSettings d = defaults();
        String t = env.get("MIGSCOPE_SSH_TIMEOUT");
        Duration timeout = d.timeout();
        if (t != null && !t.isBlank()) {
            try {
                timeout = Duration.ofSeconds(Long.parseLong(t.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("MIGSCOPE_SSH_TIMEOUT: " + SshTarget.quoted(t)
                        + " is refused: a whole number of seconds, e.g. 60");
            }
        }
        return new SshSettings(env.getOrDefault("MIGSCOPE_SSH", d.ssh()),
                words(env.get("MIGSCOPE_SSH_OPTS"), d.options()),
                words(env.get("MIGSCOPE_REMOTE_COMMAND"), d.remoteCommand()), timeout);
    }

    private static List<String> words(String value, List<String> otherwise) {
        return value == null || value.isBlank() ? otherwise : List.of(value.strip().split("\\s+"));
    }

    /** ssh's argument vector for {@code target}. */
    List<String> argv(SshTarget target) {
        List<String> a = new ArrayList<>(List.of(ssh, "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"));
        if (target.port() != 0) {
            a.add("-p");
            a.add(Integer.toString(target.port()));
        }
        a.addAll(options);
        a.addAll(TIMEOUT_DEFAULTS);
        a.add("--");
        a.add(target.destination());
        a.addAll(remoteCommand);
        return a;
    }

    /**
     * The user's option that asks for host keys not to be checked, in any of ssh's spellings
     * ({@code -oK=v}, {@code -o K=v}, {@code -o "K v"}, {@code -o "K = v"}, any case), or null. ssh would
     * ignore it after migscope's own {@code StrictHostKeyChecking=yes}; it is refused so that
     * nobody believes it took effect.
     */
    static String hostKeyProblem(List<String> options) {
        for (int i = 0; i < options.size(); i++) {
            String w = options.get(i);
            String option;
            if (w.equals("-o") && i + 1 < options.size()) {
                option = options.get(i + 1);
            } else if (w.startsWith("-o")) {
                option = w.substring(2);
            } else {
                continue;
            }
            String[] kv = option.strip().split("\\s*[=\\s]\\s*", 2);
            if (kv.length == 2 && kv[0].equalsIgnoreCase("StrictHostKeyChecking")
                    && !List.of("yes", "ask").contains(kv[1].strip().toLowerCase(Locale.ROOT))) {
                return "StrictHostKeyChecking=" + kv[1].strip();
            }
        }
        return null;
    }
}
