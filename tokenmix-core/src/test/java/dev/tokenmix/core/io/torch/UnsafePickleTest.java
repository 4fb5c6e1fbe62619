package dev.tokenmix.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.io.WeightsFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile pickles are refused with the global they name, and nothing of them runs: the committed hostile
 * fixtures create a marker file when Python loads them (the generator checks that), and it never appears here.
 */
class UnsafePickleTest {
    /** What the hostile fixtures' commands create, relative to the working directory (the module's folder). */
    private static final Path MARKER = Path.of("target", "tokenmix-torch-pwned.marker");

    @TempDir
    Path dir;

    @BeforeEach
    void noMarker() throws Exception {
        Files.deleteIfExists(MARKER);
    }

    @ParameterizedTest
    @CsvSource({
        "evil_posix_system.pth, posix.system",
        "evil_os_system.pkl, os.system",
        "evil_builtins_eval.pkl, builtins.eval",
        "evil_subprocess_popen_legacy.pth, subprocess.Popen"})
    void hostileFixtureIsRefusedAndNothingRuns(String fixture, String global) throws Exception {
        Path file = TorchFiles.fixture(fixture);
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(file));
        assertEquals(global, e.global());
        assertEquals("refusing to load " + file + ": the pickle calls " + global + ", which is not a tensor, container"
                + " or known-harmless class; a checkpoint never needs it", e.getMessage());
        Thread.sleep(50);
        assertFalse(Files.exists(MARKER), "the fixture's command ran");
    }

    @Test
    void wholePickledModuleIsRefusedWithTheStateDictAdvice() {
        Path file = TorchFiles.fixture("evil_nn_module.pth");
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(file));
        assertEquals("torch.nn.modules.linear.Linear", e.global());
        assertEquals("refusing to load " + file + ": the pickle holds a whole torch.nn.Module"
                + " (torch.nn.modules.linear.Linear), which needs its Python class to load; load it in Python and save"
                + " model.state_dict() instead", e.getMessage());
    }

    /** Dangerous callables, each named with GLOBAL (protocol 2), STACK_GLOBAL (protocol 4) and INST (protocol 0). */
    @ParameterizedTest
    @ValueSource(strings = {"posix.system", "os.system", "nt.system", "os.popen", "os.execv", "subprocess.Popen",
        "subprocess.check_output", "subprocess.run", "builtins.eval", "builtins.exec", "builtins.getattr",
        "builtins.__import__", "builtins.open", "builtins.compile", "builtins.setattr", "__builtin__.eval",
        "importlib.import_module", "runpy.run_path", "runpy._run_code", "pickle.loads", "_pickle.loads",
        "marshal.loads", "shutil.rmtree", "socket.socket", "ctypes.CDLL", "webbrowser.open", "functools.partial",
        "operator.attrgetter", "types.FunctionType", "code.InteractiveInterpreter", "torch.load", "torch.hub.load",
        "torch.jit.load", "torch.storage._load_from_bytes", "numpy.load", "numpy.testing._private.utils.runstring",
        "collections.defaultdict", "copyreg.__newobj__", "timm.models.vision_transformer.VisionTransformer",
        "__main__.Net"})
    void everyWayOfNamingAGlobalIsRefused(String global) {
        int dot = global.lastIndexOf('.');
        String module = global.substring(0, dot);
        String name = global.substring(dot + 1);
        byte[][] pickles = {
            new PickleWriter().proto(2).global(module, name).mark().str("echo hi").tuple().reduce().stop().toBytes(),
            new PickleWriter().proto(4).stackGlobal(module, name).mark().str("echo hi").tuple().reduce().stop()
                    .toBytes(),
            new PickleWriter().mark().str("echo hi").inst(module, name).stop().toBytes(),
            new PickleWriter().proto(2).global(module, name).emptyTuple().newobj().stop().toBytes()};
        for (int i = 0; i < pickles.length; i++) {
            // as the data.pkl of a zip checkpoint and as a bare pickle (read as the legacy format)
            for (Path file : new Path[] {
                TorchFiles.write(dir, "z" + i + ".pth", TorchFiles.zip(pickles[i], Map.of())),
                TorchFiles.write(dir, "p" + i + ".pkl", pickles[i])}) {
                UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(file),
                        "form " + i);
                // Python 2 module names are reported as Python 3 resolves them
                String resolved = global.replace("__builtin__.", "builtins.");
                assertEquals(resolved, e.global());
                assertTrue(e.getMessage().startsWith("refusing to load " + file + ": the pickle "), e.getMessage());
                assertTrue(e.getMessage().contains(resolved), e.getMessage());
                assertFalse(e.getMessage().contains("\n"));
            }
        }
    }

    @Test
    void refusalComesWhenTheGlobalIsNamedBeforeAnythingElseIsRead() {
        // after the name: no arguments, no REDUCE, only garbage; a valid tensor before it changes nothing
        byte[] pkl = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1}).setitem()
                .global("os", "system").raw(0xFF, 0xFF, 0xFF).toBytes();
        Path file = TorchFiles.write(dir, "m.pth", TorchFiles.zip(pkl, Map.of("0", TorchFiles.floats(1, 2))));
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(file));
        assertEquals("os.system", e.global());
    }

    @Test
    void unknownClassGetsTheStateDictHint() {
        byte[] pkl = new PickleWriter().proto(2).global("mymodels.vit", "VisionTransformer").emptyTuple().newobj()
                .stop().toBytes();
        Path file = TorchFiles.write(dir, "model.pth", TorchFiles.zip(pkl, Map.of()));
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(file));
        assertEquals("refusing to load " + file + ": the pickle calls mymodels.vit.VisionTransformer, which is not a"
                + " tensor, container or known-harmless class; if the file holds a whole pickled model or object, load"
                + " it in Python and save its state_dict() instead", e.getMessage());
    }

    @Test
    void reduceOnAnythingButAnAllowedFunctionIsRefused() {
        // a string called as a function
        assertUnsafe(new PickleWriter().proto(2).str("os.system").mark().str("x").tuple().reduce().stop(),
                "REDUCE on a str");
        // an allowed global that is a value, not a function: a dtype, a storage class, a tensor class
        assertUnsafe(new PickleWriter().proto(2).global("torch", "float32").emptyTuple().reduce().stop(),
                "torch.float32");
        assertUnsafe(new PickleWriter().proto(2).global("torch", "FloatStorage").ints(10).reduce().stop(),
                "torch.FloatStorage");
        assertUnsafe(new PickleWriter().proto(2).global("torch", "Tensor").emptyTuple().reduce().stop(),
                "torch.Tensor");
        // NEWOBJ and OBJ of values that are not allowed classes
        assertUnsafe(new PickleWriter().proto(2).global("torch", "FloatStorage").emptyTuple().newobj().stop(),
                "torch.FloatStorage");
        assertUnsafe(new PickleWriter().proto(2).emptyDict().emptyTuple().newobj().stop(), "NEWOBJ on a dict");
        assertUnsafe(new PickleWriter().mark().global("torch._utils", "_rebuild_tensor_v2").obj().stop(),
                "torch._utils._rebuild_tensor_v2");
        // copyreg reconstruction of a class that is not allowed is refused at the class's name
        assertUnsafe(new PickleWriter().proto(1).global("copy_reg", "_reconstructor").mark()
                .global("os", "system").global("builtins", "object").none().tuple().reduce().stop(), "os.system");
    }

    @Test
    void extensionCodesAreRefused() {
        assertUnsafe(new PickleWriter().proto(2).raw(0x82, 7).emptyTuple().reduce().stop(), "extension code 7");
        assertUnsafe(new PickleWriter().proto(2).raw(0x83, 0x34, 0x12).stop(), "extension code 4660");
        assertUnsafe(new PickleWriter().proto(2).raw(0x84, 1, 0, 0, 0).stop(), "extension code 1");
    }

    @Test
    void buildOnDataThatIsNoObjectIsMalformed() {
        byte[] pkl = new PickleWriter().proto(2).str("x").emptyDict().build().stop().toBytes();
        Path file = TorchFiles.write(dir, "b.pth", TorchFiles.zip(pkl, Map.of()));
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> TorchCheckpoint.read(file));
        assertEquals("cannot load " + file + ": malformed pickle: BUILD on a str, which has no state to set",
                e.getMessage());
    }

    @Test
    void allowedHarmlessObjectsStayData() {
        // protocol 0/1 construction of an argparse.Namespace, a pathlib path and an OrderedDict from pairs
        byte[] pkl = new PickleWriter().proto(2).emptyDict()
                .str("args").global("copy_reg", "_reconstructor").mark().global("argparse", "Namespace")
                .global("__builtin__", "object").none().tuple().reduce()
                .emptyDict().str("lr").floating(0.5).setitem().build().setitem()
                .str("path").global("pathlib", "PosixPath").mark().str("/").str("data").str("imagenet").tuple()
                .reduce().setitem()
                .str("od").global("collections", "OrderedDict").mark().emptyList().mark().str("k").integer(1).tuple()
                .append().tuple().reduce().setitem()
                .stop().toBytes();
        Path file = TorchFiles.write(dir, "ok.pth", TorchFiles.zip(pkl, Map.of()));
        Map<?, ?> m = (Map<?, ?>) TorchCheckpoint.read(file);
        InertObject ns = (InertObject) m.get("args");
        assertEquals("argparse.Namespace", ns.className());
        assertEquals(Map.of("lr", 0.5), ns.fields());
        assertEquals("argparse.Namespace(lr)", ns.toString());
        assertEquals("/data/imagenet", m.get("path"));
        assertEquals(Map.of("k", 1L), m.get("od"));
    }

    @Test
    void sparseAndQuantizedTensorsAreUnsupportedNotUnsafe() {
        byte[] pkl = new PickleWriter().proto(2).global("torch._utils", "_rebuild_qtensor").emptyTuple().reduce().stop()
                .toBytes();
        Path file = TorchFiles.write(dir, "q.pth", TorchFiles.zip(pkl, Map.of()));
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> TorchCheckpoint.read(file));
        assertFalse(e instanceof UnsafePickleException);
        assertTrue(e.getMessage().contains("quantized tensor"), e.getMessage());
    }

    private void assertUnsafe(PickleWriter w, String global) {
        Path file = TorchFiles.write(dir, "u.pth", TorchFiles.zip(w.toBytes(), Map.of()));
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(file));
        assertEquals(global, e.global(), e.getMessage());
        assertTrue(e.getMessage().startsWith("refusing to load " + file + ": "), e.getMessage());
    }
}
