import java.util.List;
import java.util.Set;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * The local MongoDB-wire store: mongo-java-server's H2 (MVStore) backend, with two changes a driver and a crash need.
 *
 * <ul>
 * <li>It reports wire version 13 (MongoDB 5.0, the dialect mongo-java-server implements) instead of its 8, which
 * pymongo 4.20 refuses (it needs at least 9).</li>
 * <li>Every write command is committed to the MVStore file before it is acknowledged. By default the MVStore commits
 * in the background about once a second, so a kill -9 loses up to ~1 s of acknowledged writes.</li>
 * </ul>
 *
 * Usage: {@code java -cp 'lib/*:classes' TijaraStore <host> <port> <file> [each|background]}; {@code background}
 * keeps mongo-java-server's own once-a-second commit (only for measuring what the per-write commit costs).
 */
public final class TijaraStore {

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
            Document response = super.handleCommand(channel, database, command, query);
            if (commitEachWrite && WRITES.contains(command.toLowerCase())) {
                commit();
            }
            return response;
        }
    }

    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        MVStore store = new MVStore.Builder().fileName(args[2]).open();
        MongoServer server = new MongoServer(new DurableBackend(store, args.length < 4 || args[3].equals("each")));
        server.bind(host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    }
}
