package dev.migscope.qemu;

import dev.migscope.device.Visible;

/**
 * What went wrong talking to one QEMU: a value, like {@code VfioError}, with the socket it concerns
 * and a sentence a user can act on.
 *
 * @param kind    what sort of failure
 * @param socket  the QMP socket's path
 * @param message one line: what happened and what to do
 */
public record QmpError(Kind kind, String socket, String message) {

    /** The message quotes QEMU (an error's desc, the bytes a parser choked on): its controls are made visible. */
    public QmpError {
        message = Visible.of(message);
    }

    public enum Kind {
        /** No file at the path, or nothing listens on it. */
        NO_SOCKET,
        /** This user may not connect to the socket. */
        PERMISSION,
        /** Something answered that does not speak QMP. */
        NOT_QMP,
        /** QEMU closed the connection or exited. */
        GONE,
        /** QEMU's output is not valid JSON. */
        MALFORMED,
        /** QEMU sent more than migscope bounds (a message's size or nesting, a list's length). */
        LIMIT,
        /** QEMU's output ended in the middle of a JSON object. */
        TRUNCATED,
        /** QEMU did not answer in time. */
        TIMEOUT,
        /** QEMU answered a command with an error. */
        COMMAND,
        /** migscope did not send a command that changes the VM: the QEMU is not armed, or is the wrong side. */
        REFUSED
    }

    /** {@code SOCKET: message}, the one line a front end shows. */
    public String describe() {
        return socket + ": " + message;
    }
}
