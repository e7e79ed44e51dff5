import java.util.List;
import java.util.Set;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * The local MongoDB-wire store: mongo-java-server's H2 (MVStore) backend, with these changes.
 *
 * <ul>
 * <li>It reports wire version 13 (MongoDB 5.0, the dialect mongo-java-server implements) instead of its 8, which
 * pymongo 4.20 refuses (it needs at least 9).</li>
 * <li>Every write command is committed to the MVStore file before it is acknowledged. By default the MVStore commits
 * in the background about once a second, so a kill -9 loses up to ~1 s of acknowledged writes.</li>
 * <li>A query that names {@code _id} beside other fields uses the {@code _id} index, then checks the rest on the few
 * documents found. mongo-java-server uses an index only when the query names exactly the index's keys, so
 * {@code {_id: x, version: 3}} (an optimistic-concurrency update) read the whole collection.</li>
 * <li>A sparse index on one field is kept ({@link SparseIndex}) and answers {@code {field: {$exists: true}}};
 * mongo-java-server ignores every index that is not unique.</li>
 * <li>Documents and unique-index keys are written as BSON, the keys in MongoDB's value order ({@link BsonTypes}),
 * not with Java serialization.</li>
 * <li>A find answers in MongoDB's batches ({@link Batches}): 101 documents first, at most 16 MiB a batch.</li>
 * <li>{@code explain} of a find names the index that answers it (IXSCAN) or COLLSCAN, in MongoDB's shape, so tests
 * can check which queries read the whole collection.</li>
 * </ul>
 *
 * Usage: {@code java -cp 'lib/*:classes' TijaraStore <host> <port> <file> [each|background]}; {@code background}
 * keeps mongo-java-server's own once-a-second commit (only for measuring what the per-write commit costs).
 */
public final class TijaraStore {

    private static final int CACHE_MB = 768;

    private static final Set<String> WRITES = Set.of(
        "insert", "update", "delete", "findandmodify", "createindexes", "dropindexes", "drop", "dropdatabase",
        "create", "renamecollection");

    enum WireVersion implements MongoVersion {
        MONGO_5_0;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 13;
        }
    }

    /** Commits the store before answering a write, so an acknowledged write is in the file. */
    static final class DurableBackend extends H2Backend {

        private final boolean commitEachWrite;

        DurableBackend(MVStore store, boolean commitEachWrite) {
            super(store);
            this.commitEachWrite = commitEachWrite;
            version(WireVersion.MONGO_5_0);
        }

        @Override
        public Document handleCommand(Channel channel, String database, String command, Document query) {
            if (command.equalsIgnoreCase("explain") && query.get("explain") instanceof Document explained
                && explained.get("find") instanceof String collection) {
                return explainFind(database, collection, (Document) explained.getOrDefault("filter", new Document()));
            }
            Document response = super.handleCommand(channel, database, command, query);
            if (command.equalsIgnoreCase("find") || command.equalsIgnoreCase("aggregate")) {
                Batches.bound(response, query, getCursorRegistry());
            }
            if (commitEachWrite && WRITES.contains(command.toLowerCase())) {
                commit();
            }
            return response;
        }

        /** The plan {@link IdFirstCollection#queryDocuments} follows for {@code filter}, in the shape of MongoDB's. */
        private Document explainFind(String database, String collectionName, Document filter) {
            MongoCollection<?> collection = resolveDatabase(database).resolveCollection(collectionName, false);
            Index<Object> index = collection instanceof IdFirstCollection c ? c.indexFor(filter) : null;
            Document plan = new Document("stage", "COLLSCAN");
            if (index != null) {
                Document keyPattern = new Document();
                index.getKeys().forEach(key -> keyPattern.put(key.getKey(), key.isAscending() ? 1 : -1));
                plan = new Document("stage", "FETCH").append("inputStage", new Document("stage", "IXSCAN")
                    .append("indexName", index.getName()).append("keyPattern", keyPattern));
            }
            Document planner = new Document("namespace", database + "." + collectionName)
                .append("parsedQuery", filter).append("winningPlan", plan);
            return new Document("queryPlanner", planner).append("ok", 1.0);
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            return new IdFirstDatabase(databaseName);
        }

        /** H2Database with {@link IdFirstCollection}s; the map names are H2Database's, so existing files open. */
        final class IdFirstDatabase extends H2Database {

            IdFirstDatabase(String databaseName) {
                super(databaseName, getMvStore(), getCursorRegistry());
            }

            @Override
            protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
                String fullName = getFullCollectionNamespace(collectionName);
                MVMap<Object, Document> data = getMvStore().openMap("databases." + fullName, BsonTypes.documents());
                MVMap<String, Object> meta = getMvStore().openMap("meta." + fullName);
                return new IdFirstCollection(this, collectionName, options, data, meta);
            }

            /** H2Database's unique index, on a map opened first with {@link BsonTypes#uniqueIndex}'s key type
             * (the store hands H2Database that map when it opens it by name). */
            @Override
            protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName,
                                                            List<IndexKey> keys, boolean sparse) {
                String name = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
                getMvStore().openMap(name, BsonTypes.uniqueIndex());
                return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
            }

            @Override
            protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName,
                                                               List<IndexKey> keys, boolean sparse) {
                if (SparseIndex.covers(keys, sparse)) {
                    return new SparseIndex(indexName, keys.get(0));
                }
                return super.openOrCreateSecondaryIndex(collectionName, indexName, keys, sparse);
            }
        }

        final class IdFirstCollection extends H2Collection {

            IdFirstCollection(MongoDatabase database, String name, CollectionOptions options,
                              MVMap<Object, Document> data, MVMap<String, Object> meta) {
                super(database, name, options, data, meta, getCursorRegistry());
            }

            @Override
            protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                                 Document fieldSelector) {
                Index<Object> index = indexFor(query);
                if (index == null) {
                    return matchDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);  // reads them all
                }
                Document lookup = index.canHandle(query) ? query : byId(query);
                return matchDocuments(query, index.getPositions(lookup), orderBy, skip, limit, batchSize,
                    fieldSelector);  // the matcher checks the whole query on the documents found
            }

            /** The index that answers {@code query}: one that handles it whole, or the _id index for a query that
             * names _id beside other fields; null when the query reads the collection. */
            Index<Object> indexFor(Document query) {
                for (Index<Object> index : getIndexes()) {
                    if (index.canHandle(query)) {
                        return index;
                    }
                }
                if (query.size() > 1 && query.containsKey("_id") && "_id".equals(getIdField())) {
                    for (Index<Object> index : getIndexes()) {
                        if (index.canHandle(byId(query))) {
                            return index;
                        }
                    }
                }
                return null;
            }

            private static Document byId(Document query) {
                return new Document("_id", query.get("_id"));
            }
        }
    }

    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        // A page cache that holds the launch-scale data set (the default 16 MB re-reads pages at 250,000 documents).
        // Chunks are compacted when the store is idle, not while it is busy: every write commits its own small
        // chunk, and H2's default (90 %) kept a thread rewriting them through a launch-scale load (18 % of the
        // store's samples in the seeded replay's profile).
        MVStore store = new MVStore.Builder().fileName(args[2]).cacheSize(CACHE_MB).autoCompactFillRate(50).open();
        BsonTypes.settleIndexes(store);
        MongoServer server = new MongoServer(new DurableBackend(store, args.length < 4 || args[3].equals("each")));
        server.bind(host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    }
}
