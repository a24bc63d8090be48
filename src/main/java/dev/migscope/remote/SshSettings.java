package dev.migscope.remote;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How migscope runs ssh (docs/REMOTE.md): the system's OpenSSH client, {@code -T} (no terminal),
 * {@code BatchMode=yes} first (ssh keeps an option's first value, so nothing later turns it off:
 * migscope never asks for a password or a passphrase, and an unknown host key is refused, not
 * asked about), then the user's extra options, then the destination and the far side's command.
 *
 * @param ssh           the ssh program ({@code MIGSCOPE_SSH}, default {@code ssh})
 * @param options       extra ssh arguments ({@code MIGSCOPE_SSH_OPTS}, split at spaces), e.g.
 *                      {@code -F ~/lab/ssh_config} or {@code -o UserKnownHostsFile=...}
 * @param remoteCommand the far side's command ({@code MIGSCOPE_REMOTE_COMMAND}, default
 *                      {@code migscope agent}), words of path characters only
 */
public record SshSettings(String ssh, List<String> options, List<String> remoteCommand) {

    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_./=:+-]+");

    public SshSettings {
        options = List.copyOf(options);
        remoteCommand = List.copyOf(remoteCommand);
        for (String o : options) {
            String lower = o.toLowerCase(Locale.ROOT).replace(" ", "");
            if (lower.matches("stricthostkeychecking=(no|off)")) {
                throw new IllegalArgumentException("MIGSCOPE_SSH_OPTS: " + o + " is refused: migscope never turns "
                        + "host-key checking off; add the host's key to known_hosts instead (ssh-keyscan, then "
                        + "compare the fingerprint)");
            }
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
    }

    public static SshSettings defaults() {
        return new SshSettings("ssh", List.of(), List.of("migscope", "agent"));
    }

    /** From MIGSCOPE_SSH, MIGSCOPE_SSH_OPTS and MIGSCOPE_REMOTE_COMMAND where set. */
    public static SshSettings fromEnvironment(Map<String, String> env) {
        SshSettings d = defaults();
        return new SshSettings(env.getOrDefault("MIGSCOPE_SSH", d.ssh()),
                words(env.get("MIGSCOPE_SSH_OPTS"), d.options()),
                words(env.get("MIGSCOPE_REMOTE_COMMAND"), d.remoteCommand()));
    }

    private static List<String> words(String value, List<String> otherwise) {
        return value == null || value.isBlank() ? otherwise : List.of(value.strip().split("\\s+"));
    }

    /** ssh's argument vector for {@code target}. */
    List<String> argv(SshTarget target) {
        List<String> a = new ArrayList<>(List.of(ssh, "-T", "-o", "BatchMode=yes"));
        if (target.port() != 0) {
            a.add("-p");
            a.add(Integer.toString(target.port()));
        }
        a.addAll(options);
        a.add("--");
        a.add(target.destination());
        a.addAll(remoteCommand);
        return a;
    }
}
