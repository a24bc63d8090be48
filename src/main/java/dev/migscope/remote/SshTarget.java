package dev.migscope.remote;

import java.util.regex.Pattern;

/**
 * {@code --host [USER@]HOST[:PORT]}: where ssh goes. HOST may be an ssh_config alias. Whatever
 * would be an ssh option or shell syntax (a leading {@code -}, spaces, quotes, {@code ;},
 * {@code $}) is refused before ssh runs.
 *
 * @param user null for ssh's default (ssh_config, or the local user)
 * @param host a name, an address or an ssh_config alias
 * @param port 0 for ssh's default
 */
public record SshTarget(String user, String host, int port) {

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    /**
     * Parses {@code [USER@]HOST[:PORT]}; an IPv6 address goes in brackets: {@code [::1]:2222}.
     *
     * @throws IllegalArgumentException with a sentence naming what is wrong
     */
    public static SshTarget parse(String spec) {
        String rest = spec;
        String user = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            user = rest.substring(0, at);
            rest = rest.substring(at + 1);
            if (!USER.matcher(user).matches()) {
                throw new IllegalArgumentException("--host " + quoted(spec) + ": the user name " + quoted(user)
                        + " is not one (letters, digits, _ . -, not starting with -)");
            }
        }
        String host = rest;
        int port = 0;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0 || !rest.substring(1, close).matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("--host " + quoted(spec) + ": an IPv6 address in brackets "
                        + "holds only hex digits, : and .");
            }
            host = rest.substring(1, close);
            rest = rest.substring(close + 1);
            port = rest.isEmpty() ? 0 : port(spec, rest.startsWith(":") ? rest.substring(1) : rest);
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0) {
                host = rest.substring(0, colon);
                port = port(spec, rest.substring(colon + 1));
            }
            if (!HOST.matcher(host).matches()) {
                throw new IllegalArgumentException("--host " + quoted(spec) + ": " + quoted(host) + " is not a host "
                        + "name, address or ssh_config alias (letters, digits, _ . -, not starting with -)");
            }
        }
        return new SshTarget(user, host, port);
    }

    private static int port(String spec, String p) {
        if (!p.matches("[0-9]{1,5}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65535) {
            throw new IllegalArgumentException("--host " + quoted(spec) + ": the port " + quoted(p)
                    + " is not a number from 1 to 65535");
        }
        return Integer.parseInt(p);
    }

    /** How the user named it, for messages: {@code root@lab7:2222}. */
    public String display() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (user == null ? "" : user + "@") + h + (port == 0 ? "" : ":" + port);
    }

    /** ssh's destination argument: {@code [user@]host} (the port goes to -p). */
    String destination() {
        return (user == null ? "" : user + "@") + host;
    }

    static String quoted(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
