package dev.tokenmix.core.io.torch;

import dev.tokenmix.core.io.WeightsFormatException;

/**
 * A PyTorch checkpoint whose pickle asks for something a weights file never needs: a function or class outside
 * {@link TorchCheckpoint}'s allowlist ({@code os.system}, {@code builtins.eval}, {@code subprocess.Popen}, a whole
 * {@code torch.nn.Module}, ...), a call of something that is not a function, or a {@code copyreg} extension code.
 *
 * <p>The refusal happens when the pickle names the global, before anything could be called with it; nothing from
 * the file is ever executed, since the reader maps the allowlisted names to Java code of its own and has no way to
 * run anything else. The message is one line naming the file and the global, for example {@code refusing to load
 * model.pth: the pickle calls os.system, which is not a tensor, container or known-harmless class; a checkpoint
 * never needs it}. When the file is a whole pickled model, the fix is to load it in Python once and save its
 * {@code state_dict()}.
 */
public class UnsafePickleException extends WeightsFormatException {
    private static final long serialVersionUID = 1L;

    /** The global the pickle tried to use, {@code module.name}, or a description such as {@code extension code 7}. */
    private final String global;

    /**
     * @param message one line naming the file and the refused global
     * @param global the refused global as {@code module.name}, or a short description of the refused operation
     */
    public UnsafePickleException(String message, String global) {
        super(message);
        this.global = global;
    }

    /** The refused global as {@code module.name} ({@code posix.system}), or a short description of the operation. */
    public String global() {
        return global;
    }
}
