// One file of a download, as the swarm fetches it: what it is (content id, listed size, where
// it goes), and where it stands: waiting its turn, waiting for its manifest, checking what an
// earlier run left, fetching, done or failed. It owns the file's manifest, its chunk picker
// and its partial file; the swarm owns the holders and the requests.
#pragma once

#include "chunk_picker.hpp"
#include "content.hpp"
#include "partial_file.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace zshare::node {

/// One holder of a content.
struct Source {
    std::string user;     ///< its name
    std::string endpoint; ///< its file server
    std::string path;     ///< the path it registered the content under
    std::string key;      ///< its file server's CURVE key, as the tracker's table lists it
    bool operator==(const Source&) const = default;
};

/// One file to fetch.
struct SwarmFileSpec {
    std::string content_id;      ///< what to fetch
    std::uint64_t size = 0;      ///< its size as the table lists it (for progress, and to ask
                                 ///< for a small file's one chunk with its manifest)
    std::string local_path;      ///< final path here; must not exist yet
    std::string label;           ///< how to name it for people (the remote path)
    std::vector<Source> sources; ///< who has it, the preferred holder first
};

struct SwarmFile {
    /// Where the file stands.
    enum class Stage {
        waiting,  ///< not started: a bounded number of files are under way at once
        manifest, ///< its manifest is asked for
        checking, ///< an earlier run's chunks are checked again (the rest is fetched meanwhile)
        fetching, ///< chunks are asked for
        finishing, ///< complete: being synced and renamed into place (on the chunk writer)
        done,     ///< in place under its final name
        failed,   ///< given up (error says why)
    };

    SwarmFileSpec spec;
    Stage stage = Stage::waiting;
    std::shared_ptr<const Content> content;    ///< the verified manifest
    std::shared_ptr<PartialFile> partial;      ///< shared with the chunk writer's work under way
    ChunkPicker picker;
    std::string manifest_from;                 ///< the holder whose manifest was taken
    std::uint64_t check_job = 0;               ///< the resume check on the hasher
    std::uint64_t verified_bytes = 0;          ///< written and checked, resumed ones included
    std::uint64_t resumed_bytes = 0;           ///< found good in an earlier run's partial file
    std::string error;                         ///< why it failed
    std::vector<std::string> lost;             ///< why holders of it were lost (for the error)
    unsigned manifest_requests = 0;            ///< GetManifest in flight for it
    /// Returns: true while the file takes part (manifest, checking, fetching).
    bool active() const { return !over() && stage != Stage::waiting; }
    /// Returns: true once it is done or failed.
    bool over() const { return stage == Stage::done || stage == Stage::failed; }
    /// Returns: true when chunks of it may be asked for.
    bool fetchable() const { return (stage == Stage::fetching || stage == Stage::checking) && !picker.complete(); }
};

} // namespace zshare::node
