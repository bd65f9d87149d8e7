// The chunk writer: chunks checked and written off the loop, results back in order, a bad chunk
// never written, a failed write reported, and results for a download that ended dropped.
#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "chunk_writer.hpp"
#include "content.hpp"
#include "file_io.hpp"
#include "partial_file.hpp"
#include "reactor.hpp"

#include <csignal>
#include <filesystem>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace zshare;
using namespace zshare::node;
using namespace std::chrono_literals;
using zshare::testing::TempDir;

namespace {

/// A content of `chunks` chunks of `chunk` bytes each, every chunk a different letter.
struct Sample {
    std::string bytes;
    std::shared_ptr<const Content> content;
    Sample(std::size_t chunks, std::size_t chunk) {
        protocol::Manifest manifest{chunks * chunk, chunk, {}};
        for (std::size_t i = 0; i < chunks; ++i) {
            const std::string part(chunk, static_cast<char>('a' + i));
            bytes += part;
            const Digest digest = blake3(part.data(), part.size());
            manifest.chunk_hashes.data.append(reinterpret_cast<const char*>(digest.data()), digest.size());
        }
        content = std::make_shared<const Content>(make_content(protocol::encode(manifest), manifest));
    }
    /// Returns: chunk `index` in a frame of its own, as a received ChunkData frame holds it.
    zmq::message_t frame(std::size_t index) const {
        const std::size_t chunk = content->manifest.chunk_size;
        return zmq::message_t(bytes.data() + index * chunk, chunk);
    }
};

struct Results {
    std::vector<std::pair<std::uint64_t, ChunkWriter::Outcome>> got;
    std::vector<int> errors;
};

void submit(ChunkWriter& writer, const std::shared_ptr<PartialFile>& file, const Sample& sample, std::uint64_t index,
            zmq::message_t frame, bool checked, const std::shared_ptr<int>& owner, Results& results) {
    const char* data = static_cast<const char*>(frame.data());
    const std::size_t size = frame.size();
    writer.submit(file, sample.content, index, std::move(frame), data, size, checked, owner,
                  [&results, index](ChunkWriter::Outcome outcome, int error) {
                      results.got.emplace_back(index, outcome);
                      results.errors.push_back(error);
                  });
}

bool run_until(Reactor& reactor, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
        reactor.run_once(10ms);
    return done();
}

} // namespace

TEST_CASE("chunks are checked and written off the loop, results in order", "[chunk_writer]") {
    TempDir dir;
    zmq::context_t context(1);
    Reactor reactor;
    ChunkWriter writer(context, reactor);
    const Sample sample(6, 4096);
    std::string error;
    std::shared_ptr<PartialFile> file = PartialFile::open(dir / "out", *sample.content, error);
    REQUIRE(file);
    auto owner = std::make_shared<int>(0);
    Results results;
    for (std::uint64_t index : {5, 0, 3, 1, 4, 2})
        submit(writer, file, sample, index, sample.frame(index), false, owner, results);
    REQUIRE(run_until(reactor, [&] { return results.got.size() == 6; }));
    const std::vector<std::uint64_t> order{5, 0, 3, 1, 4, 2};
    for (std::size_t i = 0; i < order.size(); ++i) {
        CHECK(results.got[i].first == order[i]);
        CHECK(results.got[i].second == ChunkWriter::Outcome::written);
    }
    for (std::uint64_t index = 0; index < 6; ++index)
        file->mark_verified(index);
    CHECK(file->finish().empty());
    CHECK(testing::read_file(dir / "out") == sample.bytes);
}

TEST_CASE("a bad chunk is reported and never written", "[chunk_writer]") {
    TempDir dir;
    zmq::context_t context(1);
    Reactor reactor;
    ChunkWriter writer(context, reactor);
    const Sample sample(2, 4096);
    std::string error;
    std::shared_ptr<PartialFile> file = PartialFile::open(dir / "out", *sample.content, error);
    REQUIRE(file);
    auto owner = std::make_shared<int>(0);
    Results results;
    submit(writer, file, sample, 1, sample.frame(0), false, owner, results); // chunk 0's bytes as chunk 1
    REQUIRE(run_until(reactor, [&] { return results.got.size() == 1; }));
    CHECK(results.got[0].second == ChunkWriter::Outcome::bad);
    // A chunk the loop checked already is written as it is.
    submit(writer, file, sample, 1, sample.frame(1), true, owner, results);
    REQUIRE(run_until(reactor, [&] { return results.got.size() == 2; }));
    CHECK(results.got[1].second == ChunkWriter::Outcome::written);
    std::string part(8192, '\0');
    const int fd = ::open((dir / "out.part").c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE(read_at(fd, part.data(), part.size(), 0) == 8192);
    ::close(fd);
    CHECK(part.substr(0, 4096) == std::string(4096, '\0')); // nothing at chunk 0
    CHECK(part.substr(4096) == std::string(4096, 'b'));
}

TEST_CASE("a write that fails is reported with its error", "[chunk_writer]") {
    TempDir dir;
    zmq::context_t context(1);
    Reactor reactor;
    ChunkWriter writer(context, reactor);
    const Sample sample(4, 1u << 20);
    std::string error;
    std::shared_ptr<PartialFile> file = PartialFile::open(dir / "out", *sample.content, error);
    REQUIRE(file);
    // As a full disk would: this process may not write past 1 MiB (EFBIG, its signal ignored).
    struct rlimit old {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit tight = old;
    tight.rlim_cur = 1u << 20;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &tight) == 0);
    auto owner = std::make_shared<int>(0);
    Results results;
    submit(writer, file, sample, 0, sample.frame(0), false, owner, results);
    submit(writer, file, sample, 2, sample.frame(2), false, owner, results);
    const bool back = run_until(reactor, [&] { return results.got.size() == 2; });
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    REQUIRE(back);
    CHECK(results.got[0].second == ChunkWriter::Outcome::written);
    CHECK(results.got[1].second == ChunkWriter::Outcome::failed);
    CHECK(results.errors[1] == EFBIG);
}

TEST_CASE("results for a download that ended are dropped, and its file let go", "[chunk_writer]") {
    TempDir dir;
    zmq::context_t context(1);
    Reactor reactor;
    ChunkWriter writer(context, reactor);
    const Sample sample(8, 1u << 20);
    std::string error;
    std::shared_ptr<PartialFile> file = PartialFile::open(dir / "out", *sample.content, error);
    REQUIRE(file);
    std::weak_ptr<PartialFile> watched = file;
    auto owner = std::make_shared<int>(0);
    Results results;
    for (std::uint64_t index = 0; index < 8; ++index)
        submit(writer, file, sample, index, sample.frame(index), false, owner, results);
    // The download is cancelled with its chunks still in the pipeline.
    owner.reset();
    file.reset();
    REQUIRE(run_until(reactor, [&] { return watched.expired(); }));
    CHECK(results.got.empty());
    // Its partial file stays. No chunk was confirmed written, so there is nothing to vouch
    // for: no state file (one is written once a chunk is verified, see test_partial_file).
    CHECK(std::filesystem::exists(dir / "out.part"));
    CHECK_FALSE(std::filesystem::exists(dir / "out.part.state"));
}
