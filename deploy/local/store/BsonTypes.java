import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * How the store writes documents and unique-index keys into the MVStore: as BSON, and the keys ordered by MongoDB's
 * value order.
 *
 * <p>mongo-java-server leaves both to H2's default {@link ObjectDataType}, which writes a document with Java
 * serialization and orders {@link KeyValue}s (not Comparable) by serializing both sides of every comparison. A
 * profile of the launch-scale replay (JFR, 175 s) found the store busy on 1.5 cores, 23 % of its samples in those
 * comparisons (every {@code _id} lookup of an insert) and most of the rest writing pages with Java serialization.
 *
 * <p>A value written before reads as it was: BSON values carry a tag that no {@link ObjectDataType} value starts
 * with, and other values go to it. The index keys' order is a different one, so {@link #settleIndexes} rewrites
 * the unique indexes of an older file once, before the store serves.
 */
final class BsonTypes {

    /** The tag of a BSON value; {@link ObjectDataType}'s tags are all below 128. */
    private static final byte BSON = (byte) 0xB5;

    private static final String FORMAT_MAP = "tijara.format";
    private static final String INDEX_KEYS = "unique-index-keys";
    private static final String BSON_KEYS = "bson";

    private static final ThreadLocal<ByteBuf> SCRATCH = ThreadLocal.withInitial(() -> Unpooled.buffer(4096));

    private BsonTypes() {
    }

    static MVMap.Builder<Object, Document> documents() {
        return new MVMap.Builder<Object, Document>().valueType(new DocumentType());
    }

    static MVMap.Builder<KeyValue, Object> uniqueIndex() {
        return new MVMap.Builder<KeyValue, Object>().keyType(new KeyValueType());
    }

    /** Rewrites the unique indexes of a file written with H2's key order into this one, in one commit. */
    static void settleIndexes(MVStore store) {
        MVMap<String, String> format = store.openMap(FORMAT_MAP);
        if (BSON_KEYS.equals(format.get(INDEX_KEYS))) {
            return;
        }
        int autoCommitDelay = store.getAutoCommitDelay();
        store.setAutoCommitDelay(0);  // all of it or none of it lands in the file
        try {
            for (String name : List.copyOf(store.getMapNames())) {
                if (name.contains("._index_") && !name.endsWith(".rewritten")) {
                    rewrite(store, name);
                }
            }
            format.put(INDEX_KEYS, BSON_KEYS);
            store.commit();
        } finally {
            store.setAutoCommitDelay(autoCommitDelay);
        }
    }

    private static void rewrite(MVStore store, String name) {
        MVMap<Object, Object> before = store.openMap(name);
        MVMap<KeyValue, Object> after = store.openMap(name + ".rewritten", uniqueIndex());
        after.clear();
        before.forEach((key, position) -> after.put((KeyValue) key, position));
        store.removeMap(before);
        store.renameMap(after, name);
    }

    /** {@code bson} (the value, or its BSON form) as BSON; {@code value} as H2 writes it if BSON has no type for
     * one of its Java values. */
    private static void write(WriteBuffer buff, Document bson, Object value, ObjectDataType other) {
        ByteBuf out = SCRATCH.get().clear();
        try {
            BsonEncoder.encodeDocument(bson, out);
        } catch (RuntimeException notBson) {
            other.write(buff, value);
            return;
        }
        buff.put(BSON).put(out.array(), out.arrayOffset() + out.readerIndex(), out.readableBytes());
    }

    private static Object read(ByteBuffer buff, ObjectDataType other) {
        if (buff.get(buff.position()) != BSON) {
            return other.read(buff);
        }
        buff.get();
        ByteBuf in = Unpooled.wrappedBuffer(buff.slice());
        Document document = BsonDecoder.decodeBson(in);
        buff.position(buff.position() + in.readerIndex());
        return document;
    }

    /** About the heap a value takes, for the page cache's accounting. */
    private static int memory(Object value) {
        if (value instanceof String text) {
            return 40 + text.length();
        }
        if (value instanceof Map<?, ?> map) {
            int size = 64;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                size += 40 + memory(entry.getKey()) + memory(entry.getValue());
            }
            return size;
        }
        if (value instanceof Collection<?> values) {
            int size = 40;
            for (Object each : values) {
                size += 8 + memory(each);
            }
            return size;
        }
        return 24;
    }

    static final class DocumentType extends BasicDataType<Document> {

        private final ObjectDataType other = new ObjectDataType();

        @Override
        public int getMemory(Document document) {
            return memory(document);
        }

        @Override
        public void write(WriteBuffer buff, Document document) {
            BsonTypes.write(buff, document, document, other);
        }

        @Override
        public Document read(ByteBuffer buff) {
            return (Document) BsonTypes.read(buff, other);
        }

        @Override
        public Document[] createStorage(int size) {
            return new Document[size];
        }
    }

    /** A unique index's key: its values in one BSON array, ordered value by value as MongoDB orders values. */
    static final class KeyValueType extends BasicDataType<KeyValue> {

        private static final ValueComparator ORDER = ValueComparator.ascWithoutListHandling();

        private final ObjectDataType other = new ObjectDataType();

        @Override
        public int compare(KeyValue a, KeyValue b) {
            int common = Math.min(a.size(), b.size());
            for (int i = 0; i < common; i++) {
                int order = ORDER.compare(a.get(i), b.get(i));
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(a.size(), b.size());
        }

        @Override
        public int getMemory(KeyValue key) {
            int size = 32;
            for (Object value : key) {
                size += 8 + memory(value);
            }
            return size;
        }

        @Override
        public void write(WriteBuffer buff, KeyValue key) {
            BsonTypes.write(buff, new Document("k", key.stream().toList()), key, other);
        }

        @Override
        public KeyValue read(ByteBuffer buff) {
            Object value = BsonTypes.read(buff, other);
            return value instanceof Document values ? new KeyValue((List<?>) values.get("k")) : (KeyValue) value;
        }

        @Override
        public KeyValue[] createStorage(int size) {
            return new KeyValue[size];
        }
    }
}
