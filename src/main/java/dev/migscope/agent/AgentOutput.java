package dev.migscope.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The agent's stdout: whole lines, one writer at a time (replies, events and samples come from
 * several threads). A failed write means the near side is gone; the agent then stops reading.
 */
final class AgentOutput {

    private final OutputStream out;
    private volatile boolean broken;

    AgentOutput(OutputStream out) {
        this.out = out;
    }

    synchronized void send(ObjectNode message) {
        sendAll(List.of(message));
    }

    /** Several lines in one write: samples taken together cross the pipe together. */
    synchronized void sendAll(List<ObjectNode> messages) {
        if (broken || messages.isEmpty()) {
            return;
        }
        StringBuilder lines = new StringBuilder();
        for (ObjectNode m : messages) {
            lines.append(Json.write(m)).append('\n');
        }
        try {
            out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            broken = true;
        }
    }

    boolean isBroken() {
        return broken;
    }
}
