#include <catch2/catch.hpp>

#include "download_plan.hpp"
#include "temp_files.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

using namespace zshare;
using namespace zshare::node;
using zshare::testing::ChangeDirectory;
using protocol::FileEntry;
using protocol::PeerInfo;
using zshare::testing::TempDir;
using zshare::testing::write_file;
using Words = std::vector<std::string>;
using Peers = std::map<std::string, PeerInfo>;
namespace fs = std::filesystem;

namespace {

// Content ids: 64 hex digits; two of them share their first 8 digits.
const std::string song_id = "5000000000000000000000000000000000000000000000000000000000000005";
const std::string report_id = "1234567811111111111111111111111111111111111111111111111111111111";
const std::string old_report_id = "1234567822222222222222222222222222222222222222222222222222222222";
const std::string video_id = "7777777777777777777777777777777777777777777777777777777777777777";
const std::string own_id = "0000000000000000000000000000000000000000000000000000000000000001";

const std::string self = "me";

/// The table: me (this node), alice, bob and carol, with some contents held by several.
Peers table() {
    Peers peers;
    peers["me"] = PeerInfo{
        "me", "tcp://10.0.0.9:9000", {{"/home/me/song.ogg", 5, song_id}, {"/home/me/own.txt", 1, own_id}}};
    peers["alice"] = PeerInfo{"alice",
                              "tcp://10.0.0.1:1000",
                              {{"/music/song.ogg", 5, song_id},
                               {"/docs/report.pdf", 12, report_id},
                               {"/docs/old/report.pdf", 11, old_report_id}}};
    peers["bob"] = PeerInfo{
        "bob", "tcp://10.0.0.2:2000", {{"/srv/song.ogg", 5, song_id}, {"/srv/video.mkv", 70, video_id}}};
    peers["carol"] = PeerInfo{"carol", "tcp://10.0.0.3:3000", {{"/x/report.pdf", 12, report_id}}};
    return peers;
}

const Source alice_song{"alice", "tcp://10.0.0.1:1000", "/music/song.ogg"};
const Source bob_song{"bob", "tcp://10.0.0.2:2000", "/srv/song.ogg"};

/// Returns: the plan, failing the test when there is none.
DownloadPlan plan_of(const Words &words, const Peers &peers = table()) {
    auto planned = plan_download(words, peers, self);
    if (const auto *problem = std::get_if<std::string>(&planned))
        FAIL("no plan: " << *problem);
    return std::get<DownloadPlan>(planned);
}

/// Returns: the refusal, failing the test when there is a plan.
std::string refusal_of(const Words &words, const Peers &peers = table()) {
    auto planned = plan_download(words, peers, self);
    if (const auto *plan = std::get_if<DownloadPlan>(&planned))
        FAIL("planned " << plan->content_id << " for a refusal");
    return std::get<std::string>(planned);
}

bool has_user(const std::vector<Source> &sources, const std::string &user) {
    for (const auto &source : sources)
        if (source.user == user)
            return true;
    return false;
}


} // namespace

TEST_CASE("user and absolute path", "[download_plan]") {
    const DownloadPlan plan = plan_of({"alice", "/music/song.ogg"});
    CHECK(plan.content_id == song_id);
    CHECK(plan.remote == "/music/song.ogg");
    CHECK(plan.local.empty());
    // Alice first, then every other holder but this node.
    CHECK(plan.sources == std::vector<Source>{alice_song, bob_song});
}

TEST_CASE("user, path and local path", "[download_plan]") {
    const DownloadPlan plan = plan_of({"alice", "/docs/report.pdf", "/tmp/r.pdf"});
    CHECK(plan.content_id == report_id);
    CHECK(plan.remote == "/docs/report.pdf");
    CHECK(plan.local == "/tmp/r.pdf");
    CHECK(plan.sources == std::vector<Source>{{"alice", "tcp://10.0.0.1:1000", "/docs/report.pdf"},
                                              {"carol", "tcp://10.0.0.3:3000", "/x/report.pdf"}});
}

TEST_CASE("user and a unique file name", "[download_plan]") {
    const DownloadPlan plan = plan_of({"alice", "song.ogg"});
    CHECK(plan.content_id == song_id);
    CHECK(plan.remote == "/music/song.ogg");
    CHECK(plan.sources == std::vector<Source>{alice_song, bob_song});
}

TEST_CASE("the named user comes first in the sources", "[download_plan]") {
    const DownloadPlan plan = plan_of({"bob", "song.ogg"});
    CHECK(plan.remote == "/srv/song.ogg");
    CHECK(plan.sources == std::vector<Source>{bob_song, alice_song});

    const DownloadPlan by_carol = plan_of({"carol", "/x/report.pdf"});
    REQUIRE(by_carol.sources.size() == 2);
    CHECK(by_carol.sources[0].user == "carol");
    CHECK(by_carol.sources[1] == Source{"alice", "tcp://10.0.0.1:1000", "/docs/report.pdf"});
}

TEST_CASE("user and a file name naming several of the user's files", "[download_plan]") {
    CHECK(refusal_of({"alice", "report.pdf"}) ==
          "'report.pdf' names several files of alice; give the absolute path");
    // The absolute path settles it.
    CHECK(plan_of({"alice", "/docs/old/report.pdf"}).content_id == old_report_id);
}

TEST_CASE("unknown user", "[download_plan]") {
    CHECK(refusal_of({"zed", "/music/song.ogg"}) == "unknown user 'zed' (see list-users)");
    CHECK(refusal_of({"zed", "song.ogg", "/tmp/x"}) == "unknown user 'zed' (see list-users)");
}

TEST_CASE("a file the user does not share", "[download_plan]") {
    CHECK(refusal_of({"alice", "/srv/video.mkv"}) == "alice does not share /srv/video.mkv");
    CHECK(refusal_of({"alice", "video.mkv"}) == "alice does not share video.mkv");
    CHECK(refusal_of({"alice", ""}) == "alice does not share ");
    // An absolute path is never taken for a file name.
    CHECK(refusal_of({"alice", "/song.ogg"}) == "alice does not share /song.ogg");
    // Nor the start of a folder's name for the folder.
    CHECK(refusal_of({"alice", "/doc"}) == "alice does not share /doc");
    CHECK(refusal_of({"alice", "/docs/rep"}) == "alice does not share /docs/rep");
}

TEST_CASE("a folder: every file under it, at its place inside it", "[download_plan]") {
    for (const Words &words : {Words{"alice", "/docs"}, Words{"alice", "/docs/"}, Words{"alice", "docs"}}) {
        INFO(words[1]);
        const DownloadPlan plan = plan_of(words);
        CHECK(plan.folder);
        CHECK(plan.owner == "alice");
        CHECK(plan.remote == "/docs");
        REQUIRE(plan.files.size() == 2);
        CHECK(plan.files[0].relative == "old/report.pdf");
        CHECK(plan.files[0].content_id == old_report_id);
        CHECK(plan.files[0].size == 11);
        CHECK(plan.files[1].relative == "report.pdf");
        CHECK(plan.files[1].remote == "/docs/report.pdf");
        // The owner first, then every other holder of the same content.
        REQUIRE(plan.files[1].sources.size() == 2);
        CHECK(plan.files[1].sources[0].user == "alice");
        CHECK(plan.files[1].sources[1].user == "carol");
        CHECK(plan.files[1].sources[1].path == "/x/report.pdf");
        CHECK(plan.skipped.empty());
    }
    CHECK(plan_of({"alice", "/docs/old"}).files.size() == 1);
    CHECK(plan_of({"alice", "old", "/tmp/x"}).local == "/tmp/x");
    CHECK(refusal_of({"alice", "/"}) == "give a folder below / (or the files' paths)");
}

TEST_CASE("a folder name that names several folders is refused", "[download_plan]") {
    Peers peers = table();
    peers["alice"].files.push_back({"/a/old/x.txt", 3, own_id});
    CHECK(refusal_of({"alice", "old"}, peers) == "'old' names several folders of alice; give the absolute path");
    CHECK(plan_of({"alice", "/a/old"}, peers).files.size() == 1);
}

TEST_CASE("a folder's paths that would land outside it are skipped", "[download_plan]") {
    Peers peers = table();
    auto& files = peers["alice"].files;
    files.push_back({"/docs/../etc/passwd", 3, own_id});
    files.push_back({"/docs/a//b.txt", 3, own_id});
    files.push_back({"/docs/./c.txt", 3, own_id});
    files.push_back({"/docs/d/..", 3, own_id});
    files.push_back({"/docs/no-id.txt", 3, ""});
    const DownloadPlan plan = plan_of({"alice", "/docs"}, peers);
    CHECK(plan.files.size() == 2);
    CHECK(plan.skipped == std::vector<std::string>{"/docs/../etc/passwd: not a plain path inside the folder",
                                                   "/docs/a//b.txt: not a plain path inside the folder",
                                                   "/docs/./c.txt: not a plain path inside the folder",
                                                   "/docs/d/..: not a plain path inside the folder",
                                                   "/docs/no-id.txt: listed without a content id: it cannot be verified"});
}

TEST_CASE("relative_inside: plain names below the folder only", "[download_plan]") {
    CHECK(relative_inside("/a/b/c", "/a") == "b/c");
    CHECK(relative_inside("/a/b", "/a") == "b");
    CHECK(relative_inside("/x", "/") == "x");
    CHECK_FALSE(relative_inside("/a", "/a"));
    CHECK_FALSE(relative_inside("/a/", "/a"));
    CHECK_FALSE(relative_inside("/ab/c", "/a"));
    CHECK_FALSE(relative_inside("/a/../c", "/a"));
    CHECK_FALSE(relative_inside("/a/b/../../c", "/a"));
    CHECK_FALSE(relative_inside("/a/./c", "/a"));
    CHECK_FALSE(relative_inside("/a/b//c", "/a"));
    CHECK_FALSE(relative_inside("/a/b/", "/a"));
}

TEST_CASE("folders_of: every folder a user's files are in", "[download_plan]") {
    CHECK(folders_of(table().at("alice")) == std::vector<std::string>{"/docs", "/docs/old", "/music"});
}

TEST_CASE("make_folders makes the way down and follows no link", "[download_plan]") {
    TempDir dir;
    const std::string root = dir / "root";
    CHECK(make_folders(root, "a/b c/d") == "");
    CHECK(std::filesystem::is_directory(root + "/a/b c/d"));
    CHECK(make_folders(root, "a/b c") == ""); // there already: fine
    std::filesystem::create_directory(dir / "outside");
    std::filesystem::create_directory_symlink(dir / "outside", root + "/link");
    CHECK(make_folders(root, "link/x") == root + "/link is a link or not a folder: not followed");
    CHECK_FALSE(std::filesystem::exists(dir / "outside/x"));
    std::filesystem::create_directory_symlink(dir / "outside", dir / "linked-root");
    CHECK(make_folders((dir / "linked-root"), "") ==
          (dir / "linked-root") + " is a link or not a folder: not followed");
    CHECK(make_folders(root, "a/../x").find("refused folder") == 0);
}

TEST_CASE("local_folder_target: a folder may be there already, a link or a file may not", "[download_plan]") {
    TempDir dir;
    const std::string downloads = dir / "downloads";
    CHECK(local_folder_target("", "/docs", downloads).path == downloads + "/docs");
    CHECK(local_folder_target("", "/docs", downloads).error.empty());
    std::filesystem::create_directories(downloads + "/docs");
    CHECK(local_folder_target("", "/docs", downloads).error.empty()); // resumed
    CHECK(local_folder_target((dir / "got"), "/docs", downloads).path == (dir / "got"));
    CHECK(local_folder_target(downloads, "/docs", downloads).path == downloads + "/docs");
    std::filesystem::create_directory_symlink(downloads + "/docs", dir / "link");
    CHECK(local_folder_target((dir / "link"), "/x", downloads).path == (dir / "link/x"));
    // A <local> made by an earlier run of the same download is that folder, resumed.
    const std::vector<PlannedFile> files{{"id", "/docs/sub/a.txt", "sub/a.txt", 1, {}}};
    std::filesystem::create_directories(dir / "mine/sub");
    CHECK(local_folder_target(dir / "mine", "/docs", downloads, files).path == dir / "mine");
    std::filesystem::create_directories(dir / "other");
    CHECK(local_folder_target(dir / "other", "/docs", downloads, files).path == dir / "other/docs");
    write_file(dir / "file", "x");
    CHECK(local_folder_target((dir / "file"), "/docs", downloads).error ==
          (dir / "file") + " already exists and is not a folder; choose another local path");
    CHECK(local_folder_target((dir / "nowhere/x"), "/docs", downloads).error.find("does not exist") !=
          std::string::npos);
}

TEST_CASE("a content id or 8 of its first digits", "[download_plan]") {
    for (const std::string &word : {song_id, song_id.substr(0, 8), song_id.substr(0, 20)}) {
        INFO(word);
        const DownloadPlan plan = plan_of({word});
        CHECK(plan.content_id == song_id);
        CHECK(plan.remote == "/music/song.ogg"); // the first holder's path
        CHECK(plan.sources == std::vector<Source>{alice_song, bob_song});
        CHECK(plan.local.empty());
    }
    // 7 digits are not enough.
    CHECK(refusal_of({song_id.substr(0, 7)}) == "nobody shares '" + song_id.substr(0, 7) + "'");
    // Nor are digits that are not the start of any id, or more digits than an id has.
    CHECK(refusal_of({"99999999"}) == "nobody shares '99999999'");
    CHECK(refusal_of({song_id + "0"}) == "nobody shares '" + song_id + "0'");
}

TEST_CASE("a prefix shared by two contents is refused with a list", "[download_plan]") {
    const std::string refusal = refusal_of({"12345678"});
    CHECK(refusal.rfind("'12345678' names different contents; pick one:", 0) == 0);
    CHECK(refusal.find("\n  " + report_id.substr(0, 12) + "  download alice /docs/report.pdf") !=
          std::string::npos);
    CHECK(refusal.find("\n  " + report_id.substr(0, 12) + "  download carol /x/report.pdf") !=
          std::string::npos);
    CHECK(refusal.find("\n  " + old_report_id.substr(0, 12) + "  download alice /docs/old/report.pdf") !=
          std::string::npos);
    // One more digit tells them apart.
    CHECK(plan_of({"123456781"}).content_id == report_id);
    CHECK(plan_of({"123456782"}).content_id == old_report_id);
}

TEST_CASE("a file name naming one content held by several users", "[download_plan]") {
    const DownloadPlan plan = plan_of({"song.ogg"});
    CHECK(plan.content_id == song_id);
    CHECK(plan.remote == "/music/song.ogg");
    CHECK(plan.sources == std::vector<Source>{alice_song, bob_song});

    // A path works too.
    const DownloadPlan by_path = plan_of({"/srv/song.ogg"});
    CHECK(by_path.content_id == song_id);
    CHECK(by_path.remote == "/srv/song.ogg");
    CHECK(by_path.sources == std::vector<Source>{alice_song, bob_song});
}

TEST_CASE("a word naming different contents is refused with a list", "[download_plan]") {
    const std::string refusal = refusal_of({"report.pdf"});
    CHECK(refusal.rfind("'report.pdf' names different contents; pick one:", 0) == 0);
    CHECK(refusal.find("  download alice /docs/report.pdf") != std::string::npos);
    CHECK(refusal.find("  download alice /docs/old/report.pdf") != std::string::npos);
    CHECK(refusal.find("  download carol /x/report.pdf") != std::string::npos);
    CHECK(std::count(refusal.begin(), refusal.end(), '\n') == 3);
}

TEST_CASE("paths with blanks are quoted in the list of contents", "[download_plan]") {
    Peers peers = table();
    peers["alice"].files.push_back({"/docs/my notes.txt", 3, song_id});
    peers["bob"].files.push_back({"/srv/my notes.txt", 3, video_id});
    const std::string refusal = refusal_of({"my notes.txt"}, peers);
    CHECK(refusal.find("  download alice \"/docs/my notes.txt\"") != std::string::npos);
    CHECK(refusal.find("  download bob \"/srv/my notes.txt\"") != std::string::npos);
}

TEST_CASE("two words: content and a local path", "[download_plan]") {
    const DownloadPlan plan = plan_of({"video.mkv", "/tmp/out.mkv"});
    CHECK(plan.content_id == video_id);
    CHECK(plan.remote == "/srv/video.mkv");
    CHECK(plan.local == "/tmp/out.mkv");
    CHECK(plan.sources == std::vector<Source>{{"bob", "tcp://10.0.0.2:2000", "/srv/video.mkv"}});

    const DownloadPlan by_id = plan_of({video_id.substr(0, 8), "out.mkv"});
    CHECK(by_id.content_id == video_id);
    CHECK(by_id.local == "out.mkv");
}

TEST_CASE("two words: a user's name wins over a file of that name", "[download_plan]") {
    Peers peers = table();
    peers["carol"].files.push_back({"/x/bob", 1, own_id});
    // "bob" is online: the second word is bob's file, not a local path.
    CHECK(refusal_of({"bob", "out"}, peers) == "bob does not share out");
    CHECK(plan_of({"bob", "video.mkv"}, peers).content_id == video_id);
    // Alone, "bob" names carol's file.
    const DownloadPlan alone = plan_of({"bob"}, peers);
    CHECK(alone.content_id == own_id);
    CHECK(alone.sources == std::vector<Source>{{"carol", "tcp://10.0.0.3:3000", "/x/bob"}});
}

TEST_CASE("three words are always user, remote and local", "[download_plan]") {
    CHECK(refusal_of({"video.mkv", "/tmp/out.mkv", "more"}) == "unknown user 'video.mkv' (see list-users)");
}

TEST_CASE("a user's name alone is no file", "[download_plan]") {
    CHECK(refusal_of({"alice"}) ==
          "nobody shares a file named 'alice' (to fetch from user alice: download alice <remote_path>)");
    CHECK(refusal_of({"nothing.bin"}) == "nobody shares 'nothing.bin'");
}

TEST_CASE("the node's own files are never a source", "[download_plan]") {
    // Only this node has it.
    CHECK(refusal_of({"own.txt"}) == "nobody shares 'own.txt'");
    CHECK(refusal_of({own_id.substr(0, 8)}) == "nobody shares '" + own_id.substr(0, 8) + "'");
    CHECK(refusal_of({"/home/me/song.ogg"}) == "nobody shares '/home/me/song.ogg'");
    CHECK(refusal_of({"own.txt", "/tmp/x"}) == "nobody shares 'own.txt'");
    // Others have it too: they are the sources, not this node.
    CHECK_FALSE(has_user(plan_of({"song.ogg"}).sources, self));
    CHECK_FALSE(has_user(plan_of({"alice", "song.ogg"}).sources, self));
    CHECK_FALSE(has_user(plan_of({song_id}).sources, self));
}

TEST_CASE("naming this node as the user is refused", "[download_plan]") {
    // This node never fetches from itself: it has its files already.
    auto planned = plan_download({"me", "/home/me/song.ogg"}, table(), self);
    REQUIRE(std::holds_alternative<std::string>(planned));
    CHECK(std::get<std::string>(planned) == "'me' is this node: it has its own files already");
}

TEST_CASE("too few or too many words", "[download_plan]") {
    const std::string usage =
        "usage: download <user> <remote_path or folder> [<local_path>], or download <file or content "
        "id> [<local_path>]";
    CHECK(refusal_of({}) == usage);
    CHECK(refusal_of({"alice", "/music/song.ogg", "/tmp/x", "extra"}) == usage);
    CHECK(refusal_of({"a", "b", "c", "d", "e"}) == usage);
}

TEST_CASE("an empty table plans nothing", "[download_plan]") {
    CHECK(refusal_of({"song.ogg"}, {}) == "nobody shares 'song.ogg'");
    CHECK(refusal_of({"alice", "/music/song.ogg"}, {}) == "unknown user 'alice' (see list-users)");
    CHECK(refusal_of({""}, {}) == "nobody shares ''");
}

TEST_CASE("holders of a content", "[download_plan]") {
    const Peers peers = table();
    CHECK(holders_of(song_id, peers, self) == std::vector<Source>{alice_song, bob_song});
    CHECK(holders_of(report_id, peers, self) ==
          std::vector<Source>{{"alice", "tcp://10.0.0.1:1000", "/docs/report.pdf"},
                              {"carol", "tcp://10.0.0.3:3000", "/x/report.pdf"}});
    CHECK(holders_of(own_id, peers, self).empty());
    CHECK(holders_of(video_id.substr(0, 8), peers, self).empty()); // whole ids only
    CHECK(holders_of("unknown", peers, self).empty());
    CHECK(holders_of("", peers, self).empty());
    // Seen from another node, this node is a holder.
    CHECK(holders_of(own_id, peers, "alice") ==
          std::vector<Source>{{"me", "tcp://10.0.0.9:9000", "/home/me/own.txt"}});
}

TEST_CASE("holders of a content list each user once, with its first path", "[download_plan]") {
    Peers peers = table();
    peers["alice"].files.push_back({"/backup/song-copy.ogg", 5, song_id});
    peers["dave"] = PeerInfo{"dave", "tcp://10.0.0.4:4000", {{"/d/empty", 0, ""}}};
    CHECK(holders_of(song_id, peers, self) == std::vector<Source>{alice_song, bob_song});
    CHECK(holders_of("", peers, self).empty()); // a file without an id is nobody's content

    // Named by its second path, alice's copy is what it is called; she is a source once.
    const DownloadPlan plan = plan_of({"song-copy.ogg"}, peers);
    CHECK(plan.content_id == song_id);
    CHECK(plan.remote == "/backup/song-copy.ogg");
    CHECK(plan.sources == std::vector<Source>{alice_song, bob_song});
    const DownloadPlan by_user = plan_of({"alice", "song-copy.ogg"}, peers);
    CHECK(by_user.sources ==
          std::vector<Source>{{"alice", "tcp://10.0.0.1:1000", "/backup/song-copy.ogg"}, bob_song});
}

TEST_CASE("local target: the downloads directory is created", "[download_plan]") {
    TempDir dir;
    const std::string downloads = dir / "deep/downloads";
    const LocalTarget target = local_target("", "/music/song.ogg", downloads);
    CHECK(target.error.empty());
    CHECK(target.path == dir / "deep/downloads/song.ogg");
    CHECK(fs::is_directory(downloads));
    CHECK_FALSE(fs::exists(target.path));

    // Already there: still fine.
    const LocalTarget again = local_target("", "/other/name.bin", downloads);
    CHECK(again.error.empty());
    CHECK(again.path == dir / "deep/downloads/name.bin");
}

TEST_CASE("local target: an existing file in the downloads directory is refused", "[download_plan]") {
    TempDir dir;
    write_file(dir / "downloads/song.ogg", "old");
    const LocalTarget target = local_target("", "/music/song.ogg", dir / "downloads");
    CHECK(target.path == dir / "downloads/song.ogg");
    CHECK(target.error == dir / "downloads/song.ogg" + " already exists; choose another local path");
}

TEST_CASE("local target: a directory receives the file name", "[download_plan]") {
    TempDir dir;
    fs::create_directory(dir / "in");
    for (const std::string &given : {dir / "in", dir / "in/", dir / "in/./"}) {
        INFO(given);
        const LocalTarget target = local_target(given, "/music/song.ogg", dir / "unused");
        CHECK(target.error.empty());
        CHECK(target.path == dir / "in/song.ogg");
    }
    // Only the downloads directory is ever made.
    CHECK_FALSE(fs::exists(dir / "unused"));
}

TEST_CASE("local target: a file path is used as it is", "[download_plan]") {
    TempDir dir;
    const LocalTarget target = local_target(dir / "new-name.ogg", "/music/song.ogg", dir / "downloads");
    CHECK(target.error.empty());
    CHECK(target.path == dir / "new-name.ogg");
    const LocalTarget normalised =
        local_target(dir.path + "//./x/../renamed.ogg", "/music/song.ogg", dir / "d");
    CHECK(normalised.path == dir / "renamed.ogg");
    CHECK(normalised.error.empty());
}

TEST_CASE("local target: an existing file is refused", "[download_plan]") {
    TempDir dir;
    write_file(dir / "taken.ogg", "x");
    const LocalTarget target = local_target(dir / "taken.ogg", "/music/song.ogg", dir / "downloads");
    CHECK(target.path == dir / "taken.ogg");
    CHECK(target.error == dir / "taken.ogg" + " already exists; choose another local path");

    // Also when the directory given already holds the name.
    write_file(dir / "in/song.ogg", "x");
    CHECK(local_target(dir / "in", "/music/song.ogg", dir / "downloads").error ==
          dir / "in/song.ogg" + " already exists; choose another local path");

    // A dangling symbolic link is there too.
    fs::create_symlink(dir / "nowhere", dir / "link.ogg");
    CHECK(local_target(dir / "link.ogg", "/music/song.ogg", dir / "downloads").error ==
          dir / "link.ogg" + " already exists; choose another local path");
}

TEST_CASE("local target: a missing parent folder is refused, naming the folder", "[download_plan]") {
    TempDir dir;
    const LocalTarget target = local_target(dir / "no/such/out.ogg", "/music/song.ogg", dir / "downloads");
    CHECK(target.path == dir / "no/such/out.ogg");
    CHECK(target.error == "cannot save to " + dir / "no/such/out.ogg" + ": the folder " + dir / "no/such" +
                              " does not exist");
    CHECK_FALSE(fs::exists(dir / "no"));

    // A directory that is not there, written with a slash, is still a missing folder.
    const LocalTarget slashed = local_target(dir / "missing/", "/music/song.ogg", dir / "downloads");
    CHECK(slashed.error.find("the folder " + dir / "missing" + " does not exist") != std::string::npos);

    // A parent that is a file is no folder.
    write_file(dir / "plain", "x");
    CHECK(local_target(dir / "plain/out.ogg", "/music/song.ogg", dir / "downloads").error ==
          "cannot save to " + dir / "plain/out.ogg" + ": the folder " + dir / "plain" + " does not exist");

    // Downloads directory that cannot be made: refused the same way.
    const LocalTarget blocked = local_target("", "/music/song.ogg", dir / "plain/downloads");
    CHECK(blocked.error == "cannot save to " + dir / "plain/downloads/song.ogg" + ": the folder " +
                               dir / "plain/downloads" + " does not exist");
}

TEST_CASE("local target: relative paths are made absolute", "[download_plan]") {
    TempDir dir;
    fs::create_directory(dir / "sub");
    const ChangeDirectory into(dir.path);
    const LocalTarget file = local_target("out.ogg", "/music/song.ogg", "downloads");
    CHECK(file.error.empty());
    CHECK(file.path == dir / "out.ogg");

    const LocalTarget in_sub = local_target("sub", "/music/song.ogg", "downloads");
    CHECK(in_sub.error.empty());
    CHECK(in_sub.path == dir / "sub/song.ogg");

    const LocalTarget dotted = local_target("./sub/../sub/x.ogg", "/music/song.ogg", "downloads");
    CHECK(dotted.path == dir / "sub/x.ogg");

    const LocalTarget by_default = local_target("", "/music/song.ogg", "downloads");
    CHECK(by_default.error.empty());
    CHECK(by_default.path == dir / "downloads/song.ogg");
    CHECK(fs::is_directory(dir / "downloads"));

    const LocalTarget missing = local_target("nowhere/x.ogg", "/music/song.ogg", "downloads");
    CHECK(missing.path == dir / "nowhere/x.ogg");
    CHECK(missing.error ==
          "cannot save to " + dir / "nowhere/x.ogg" + ": the folder " + dir / "nowhere" + " does not exist");
}
