package dev.migscope.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One QMP reply read strictly: a member QAPI documents that is absent, of another type or, for an
 * enum, a value migscope does not know, is a {@link QmpError.Kind#MALFORMED} error naming the
 * QEMU, the command and the member, never read as empty or as a default.
 *
 * @param socket  the QEMU's QMP socket, for the error line
 * @param command the command that was answered
 * @param path    where {@code node} sits in the reply ({@code ""} for the reply itself, {@code "ram."})
 */
record QmpReply(String socket, String command, String path, JsonNode node) {

    static QmpReply of(String socket, String command, JsonNode node) {
        return new QmpReply(socket, command, "", node);
    }

    /** A member that must be a string. */
    String text(String member) throws QmpException {
        String t = optionalText(member);
        if (t == null) {
            throw malformed(member, "is missing; QMP documents a string");
        }
        return t;
    }

    /** A member that may be absent (or null), else a string. */
    String optionalText(String member) throws QmpException {
        JsonNode n = get(member);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw malformed(member, "is " + type(n) + "; QMP documents a string");
        }
        return n.asText();
    }

    /** A string member that must be one of {@code known}. */
    String oneOf(String member, Collection<String> known) throws QmpException {
        String t = text(member);
        if (!known.contains(t)) {
            throw malformed(member, "is '" + t + "', a value this migscope does not know (one of " + known + ")");
        }
        return t;
    }

    /** A member that may be absent, else a whole number. */
    Long optionalNumber(String member) throws QmpException {
        JsonNode n = get(member);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw malformed(member, "is " + type(n) + "; QMP documents an integer");
        }
        return n.asLong();
    }

    /** A member that must be true or false. */
    boolean bool(String member) throws QmpException {
        JsonNode n = get(member);
        if (!n.isBoolean()) {
            throw malformed(member, (n.isMissingNode() ? "is missing" : "is " + type(n)) + "; QMP documents a boolean");
        }
        return n.asBoolean();
    }

    /** A member that may be absent, else an object; absent reads as an object without members. */
    QmpReply object(String member) throws QmpException {
        JsonNode n = get(member);
        if (!n.isMissingNode() && !n.isNull() && !n.isObject()) {
            throw malformed(member, "is " + type(n) + "; QMP documents an object");
        }
        return new QmpReply(socket, command, path + member + ".", n.isObject() ? n : MissingNode.getInstance());
    }

    /** A list of strings ({@code blocked-reasons}), empty when absent; more than {@code max}, or not strings, is an error. */
    List<String> optionalStrings(String member, int max) throws QmpException {
        JsonNode n = get(member);
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw malformed(member, "is " + type(n) + "; QMP documents a list of strings");
        }
        if (n.size() > max) {
            throw new QmpException(new QmpError(QmpError.Kind.LIMIT, socket, command + " lists " + n.size() + " "
                    + member + ", more than migscope follows (" + max + "): stopped following it"));
        }
        List<String> l = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw malformed(member, "holds " + type(e) + "; QMP documents strings");
            }
            l.add(e.asText());
        }
        return l;
    }

    /** The reply itself as a list: each element, which must be an object, as a reply to read. */
    List<QmpReply> list(int max, String what) throws QmpException {
        if (!node.isArray()) {
            throw malformed(null, "is " + type(node) + "; QMP documents a list");
        }
        if (node.size() > max) {
            throw new QmpException(new QmpError(QmpError.Kind.LIMIT, socket, command + " lists " + node.size() + " "
                    + what + ", more than migscope follows (" + max + "): stopped following it"));
        }
        List<QmpReply> l = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode e = node.get(i);
            QmpReply r = new QmpReply(socket, command, path + "[" + i + "].", e);
            if (!e.isObject()) {
                throw r.malformed(null, "is " + type(e) + "; QMP documents an object");
            }
            l.add(r);
        }
        return l;
    }

    /** A member that may be absent (or null), else a list of objects, read as {@link #list} reads one. */
    List<QmpReply> optionalList(String member, int max, String what) throws QmpException {
        JsonNode n = get(member);
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        return new QmpReply(socket, command, path + member + ".", n).list(max, what);
    }

    private JsonNode get(String member) {
        return node.isObject() ? node.path(member) : MissingNode.getInstance();
    }

    QmpException malformed(String member, String problem) {
        String where = member == null ? (path.isEmpty() ? "the reply" : path.substring(0, path.length() - 1))
                : path + member;
        return new QmpException(new QmpError(QmpError.Kind.MALFORMED, socket, command + "'s reply: " + where + " "
                + problem + " (not what QMP documents: not QEMU, or a QEMU this migscope does not know): stopped "
                + "following it"));
    }

    private static String type(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "missing";
        };
    }
}
