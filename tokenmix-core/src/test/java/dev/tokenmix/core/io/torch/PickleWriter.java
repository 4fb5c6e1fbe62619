package dev.tokenmix.core.io.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, for checkpoints no Python writer would make (hostile or broken ones). */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter proto(int p) {
        return raw(0x80, p);
    }

    PickleWriter raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    PickleWriter ascii(String s) {
        return raw(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** GLOBAL (protocol 0-3): {@code c module\nname\n}. */
    PickleWriter global(String module, String name) {
        return raw('c').ascii(module + "\n" + name + "\n");
    }

    /** STACK_GLOBAL (protocol 4+): the two names as strings, then the opcode. */
    PickleWriter stackGlobal(String module, String name) {
        return str(module).str(name).raw(0x93);
    }

    /** INST (protocol 0): the arguments since the last MARK build {@code module.name}. */
    PickleWriter inst(String module, String name) {
        return raw('i').ascii(module + "\n" + name + "\n");
    }

    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        raw('X');
        le(b.length, 4);
        return raw(b);
    }

    PickleWriter bytes(byte[] b) {
        raw('B');
        le(b.length, 4);
        return raw(b);
    }

    PickleWriter integer(long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            raw('J');
            return le(v, 4);
        }
        raw(0x8a, 8);
        return le(v, 8);
    }

    PickleWriter floating(double v) {
        raw('G');
        long bits = Double.doubleToLongBits(v);
        for (int i = 7; i >= 0; i--) {
            out.write((int) (bits >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    PickleWriter bool(boolean v) {
        return raw(v ? 0x88 : 0x89);
    }

    PickleWriter none() {
        return raw('N');
    }

    PickleWriter mark() {
        return raw('(');
    }

    PickleWriter tuple() {
        return raw('t');
    }

    PickleWriter emptyTuple() {
        return raw(')');
    }

    PickleWriter reduce() {
        return raw('R');
    }

    PickleWriter newobj() {
        return raw(0x81);
    }

    PickleWriter build() {
        return raw('b');
    }

    PickleWriter obj() {
        return raw('o');
    }

    PickleWriter binpersid() {
        return raw('Q');
    }

    PickleWriter emptyDict() {
        return raw('}');
    }

    PickleWriter setitem() {
        return raw('s');
    }

    PickleWriter emptyList() {
        return raw(']');
    }

    PickleWriter append() {
        return raw('a');
    }

    PickleWriter stop() {
        return raw('.');
    }

    /** A tuple of ints: MARK, the ints, TUPLE. */
    PickleWriter ints(long... v) {
        mark();
        for (long x : v) {
            integer(x);
        }
        return tuple();
    }

    /** {@code ('storage', torch.<storageClass>, key, 'cpu', numel)} as a persistent id. */
    PickleWriter storage(String storageClass, String key, long numel) {
        return mark().str("storage").global("torch", storageClass).str(key).str("cpu").integer(numel).tuple()
                .binpersid();
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    PickleWriter tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(storageClass, key, numel);
        integer(offset).ints(size).ints(stride).bool(false);
        global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    /** {@code {name: tensor}} around a tensor written by {@code body}. */
    PickleWriter dictOf(String name, Runnable body) {
        emptyDict().str(name);
        body.run();
        return setitem();
    }

    private PickleWriter le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    byte[] toBytes() {
        return out.toByteArray();
    }
}
