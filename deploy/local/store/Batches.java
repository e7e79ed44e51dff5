import java.util.List;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * MongoDB's batches for a find: a first batch of 101 documents unless the query asks for another size, then what
 * each getMore asks for, and never more than 16 MiB of documents in one batch. mongo-java-server answers a find
 * without a batch size with every matching document at once: at launch scale (50,000 products) that reply
 * exceeds the 48 MB a wire message may be and the driver refuses it. The reply is split as it leaves: the store's
 * own callers (count, aggregation stages) keep reading whole results.
 */
final class Batches {

    static final int FIRST_BATCH = 101;
    static final int MAX_BYTES = 16 * 1024 * 1024;

    private Batches() {
    }

    /** Splits the first batch of a find or aggregate reply that holds every result (cursor id 0) into MongoDB's
     * batches: the rest goes to a cursor that getMore reads. */
    @SuppressWarnings("unchecked")
    static void bound(Document response, Document command, CursorRegistry registry) {
        if (!(response.get("cursor") instanceof Document cursor) || ((Number) cursor.get("id")).longValue() != 0
            || !(cursor.get("firstBatch") instanceof List<?> batch)
            || Boolean.TRUE.equals(command.get("singleBatch"))) {
            return;
        }
        List<Document> documents = (List<Document>) batch;
        Object asked = command.get("batchSize");
        if (command.get("cursor") instanceof Document options) {
            asked = options.get("batchSize");  // aggregate's
        }
        int first = fitting(documents, asked instanceof Number n && n.intValue() > 0 ? n.intValue() : FIRST_BATCH);
        if (first < documents.size()) {
            BoundedCursor rest = new BoundedCursor(registry.generateCursorId(),
                List.copyOf(documents.subList(first, documents.size())));
            registry.add(rest);
            cursor.put("firstBatch", List.copyOf(documents.subList(0, first)));
            cursor.put("id", rest.getId());
        }
    }

    /** How many of {@code documents}, from the first, make one batch: at most {@code wanted} (0: no count limit)
     * and at most 16 MiB, but at least one. */
    static int fitting(List<Document> documents, int wanted) {
        int limit = Math.min(documents.size(), wanted > 0 ? wanted : Integer.MAX_VALUE);
        long bytes = 0;
        ByteBuf buffer = Unpooled.buffer();
        try {
            for (int n = 0; n < limit; n++) {
                buffer.clear();
                BsonEncoder.encodeDocument(documents.get(n), buffer);
                bytes += buffer.writerIndex();
                if (bytes > MAX_BYTES && n > 0) {
                    return n;
                }
            }
            return limit;
        } finally {
            buffer.release();
        }
    }

    /** The rest of a find's documents, handed out a bounded batch at a time. */
    static final class BoundedCursor extends AbstractCursor {

        private List<Document> remaining;

        BoundedCursor(long id, List<Document> remaining) {
            super(id);
            this.remaining = remaining;
        }

        @Override
        public boolean isEmpty() {
            return remaining.isEmpty();
        }

        @Override
        public List<Document> takeDocuments(int numberToReturn) {
            int n = fitting(remaining, numberToReturn);
            List<Document> batch = remaining.subList(0, n);
            remaining = remaining.subList(n, remaining.size());
            return batch;
        }
    }
}
