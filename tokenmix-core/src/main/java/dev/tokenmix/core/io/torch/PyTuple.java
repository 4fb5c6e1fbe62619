package dev.tokenmix.core.io.torch;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A Python tuple: an unmodifiable {@code List} for the caller, told apart from a list inside the reader (a call's
 * arguments must be a tuple; {@code APPEND} must not grow one). Only the reader replaces elements, when it swaps
 * lazy tensors for arrays.
 */
final class PyTuple extends AbstractList<Object> implements RandomAccess {
    static final PyTuple EMPTY = new PyTuple(new Object[0]);

    private final Object[] items;

    PyTuple(Object[] items) {
        this.items = items;
    }

    static PyTuple of(List<Object> items) {
        return new PyTuple(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    void replace(int index, Object value) {
        items[index] = value;
    }
}
