import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;

/**
 * MongoDB's sparse index on one top-level field ({@code createIndex({field: 1}, {sparse: true})}): it holds only the
 * documents that have the field, so it answers {@code {field: {$exists: true}}} without reading the others (the
 * outbox relay's recovery query), and a range on the field ({@code {field: {$lte: t}}}, notifications' messages
 * due or held until now), which only a document that has the field can match. Otherwise each reads the whole
 * collection: mongo-java-server ignores every non-unique index. The store still applies the whole query to each
 * document the index gives it; the index only spares it the others.
 *
 * <p>It holds the documents' positions (their {@code _id}) in memory and is rebuilt from the documents when the
 * store opens them (mongo-java-server fills an empty index), so it is consistent with the committed documents after
 * any crash without being written itself.
 */
final class SparseIndex extends Index<Object> {

    /** Comparisons that no document without the field matches, when their bound is not null ({@code $lte: null}
     * matches a missing field). */
    private static final Set<String> RANGES = Set.of("$lt", "$lte", "$gt", "$gte");

    private final String field;
    private final Set<Object> positions = ConcurrentHashMap.newKeySet();

    SparseIndex(String name, IndexKey key) {
        super(name, List.of(key), true);
        this.field = key.getKey();
    }

    /** The indexes this class implements: sparse, one field, not a path into subdocuments or arrays. */
    static boolean covers(List<IndexKey> keys, boolean sparse) {
        return sparse && keys.size() == 1 && !keys.get(0).getKey().contains(".");
    }

    private boolean has(Document document) {
        return document.containsKey(field);  // present, even as null: what MongoDB's sparse index and $exists see
    }

    @Override
    public boolean canHandle(Document query) {
        if (query.size() != 1 || !(query.get(field) instanceof Document condition) || condition.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, Object> term : condition.entrySet()) {
            boolean exists = term.getKey().equals("$exists") && Utils.isTrue(term.getValue());
            boolean range = RANGES.contains(term.getKey()) && term.getValue() != null;
            if (!exists && !range) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Iterable<Object> getPositions(Document query) {
        return new ArrayList<>(positions);  // a copy: the caller reads documents while writers may change the set
    }

    @Override
    public void add(Document document, Object position, MongoCollection<Object> collection) {
        if (has(document)) {
            positions.add(position);
        }
    }

    @Override
    public void updateInPlace(Document oldDocument, Document newDocument, Object position,
                              MongoCollection<Object> collection) {
        if (has(newDocument)) {
            positions.add(position);
        } else {
            positions.remove(position);
        }
    }

    /** Returns null: a sparse index does not vouch for a document's position (the {@code _id} index does). */
    @Override
    public Object remove(Document document) {
        positions.remove(document.get("_id"));  // H2Collection's position is the document's _id
        return null;
    }

    @Override
    public Object getPosition(Document document) {
        return null;  // as remove: positions come from the _id index
    }

    @Override
    public void checkAdd(Document document, MongoCollection<Object> collection) {
        // not unique: nothing to refuse
    }

    @Override
    public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) {
        // not unique: nothing to refuse
    }

    @Override
    public long getCount() {
        return positions.size();
    }

    @Override
    public long getDataSize() {
        return getCount();
    }

    @Override
    public void drop() {
        positions.clear();
    }
}
