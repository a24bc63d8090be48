package dev.migscope.device;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Carries a {@link VfioError} out of a backend call; callers turn it back into the value. */
public final class VfioException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient VfioError error;

    public VfioException(VfioError error) {
        super(error.describe(), null, false, false);
        this.error = error;
    }

    public VfioError error() {
        return error;
    }

    /**
     * One line for a user about a failure that came back from a future: the {@link VfioError}'s
     * sentence when a device call failed, else the failure's own message (never a stack trace).
     */
    public static String describe(Throwable failure) {
        Throwable c = failure;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof VfioException v) {
            return v.error().describe();
        }
        return String.valueOf(c.getMessage() != null ? c.getMessage() : c);
    }

    /**
     * Waits for a device call's future (a device thread's, a far side's) and unwraps its failure:
     * the {@link VfioException} it failed with, or any other failure as EIO on {@code call} with
     * its sentence; an interrupt is ECANCELED.
     */
    public static <T> T await(CompletableFuture<T> f, String call) throws VfioException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof VfioException v) {
                throw v;
            }
            throw new VfioException(VfioError.of(Errno.EIO, call, null, describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VfioException(VfioError.of(Errno.ECANCELED, call, null, "interrupted"));
        }
    }
}
