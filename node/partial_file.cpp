#include "partial_file.hpp"

#include "file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <unistd.h>

namespace zshare::node {

namespace {
constexpr const char* state_magic = "zshare-partial 1";
} // namespace

std::optional<PartialState> parse_partial_state(std::string_view text, std::uint64_t expected_chunks) {
    // Read as it was written (PartialFile::save_state): the stream's rules for numbers and
    // words are the format's, so they stay those of an istringstream.
    std::istringstream in{std::string(text)};
    std::string magic, bitmap;
    PartialState state;
    std::getline(in, magic);
    in >> state.content_id >> state.size >> state.chunk_size >> bitmap;
    if (magic != state_magic || !in)
        return std::nullopt;
    if (expected_chunks == 0)
        return bitmap == "-" ? std::optional(std::move(state)) : std::nullopt;
    if (bitmap.size() != expected_chunks)
        return std::nullopt;
    for (std::uint64_t index = 0; index < expected_chunks; ++index)
        if (bitmap[index] == '1')
            state.claimed.push_back(index);
    return state;
}

std::unique_ptr<PartialFile> PartialFile::open(const std::string& final_path, const Content& content,
                                               std::string& error) {
    std::unique_ptr<PartialFile> file(new PartialFile());
    file->m_final = final_path;
    file->m_part = final_path + ".part";
    file->m_state = final_path + ".part.state";
    file->m_content_id = content.id;
    file->m_size = content.manifest.size;
    file->m_chunk_size = content.manifest.chunk_size;
    const std::uint64_t chunks = content.chunks();
    file->m_recorded.assign(chunks, 0);

    // The state of an earlier run of the same content: what it claims is kept (and checked).
    std::string text, ignored;
    const bool state_found = read_whole_file(file->m_state, text, ignored);
    if (state_found) {
        auto state = parse_partial_state(text, chunks);
        if (state && state->content_id == content.id && state->size == file->m_size &&
            state->chunk_size == file->m_chunk_size) {
            file->m_claimed = std::move(state->claimed);
            for (const std::uint64_t index : file->m_claimed)
                file->m_recorded[index] = 1;
        }
    }
    const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (file->m_claimed.empty() ? O_TRUNC : 0);
    file->m_fd.reset(::open(file->m_part.c_str(), flags, 0644));
    if (!file->m_fd || ::ftruncate(file->m_fd.get(), static_cast<off_t>(file->m_size)) != 0) {
        error = "cannot write " + file->m_part + ": " + std::strerror(errno);
        file->m_finished = true; // nothing to save
        return nullptr;
    }
    // No state file yet: the first periodic save writes it. A small file is complete before
    // that, and costs no state file (and no second sync) at all.
    file->m_state_written = state_found; // one found is rewritten (or removed) in its turn
    file->m_dirty = true;
    return file;
}

PartialFile::~PartialFile() {
    if (!m_finished)
        save_state();
}

int PartialFile::write(std::uint64_t index, const char* data, std::size_t size) {
    return write_at(m_fd.get(), data, size, index * m_chunk_size);
}

void PartialFile::mark_verified(std::uint64_t index) {
    if (!m_recorded[index])
        m_dirty = true;
    m_recorded[index] = 1;
}

void PartialFile::refute(std::uint64_t index) {
    if (m_recorded[index])
        m_dirty = true;
    m_recorded[index] = 0;
}

void PartialFile::save_state() {
    if (!m_dirty || !m_fd)
        return;
    // Until a chunk is verified there is nothing to resume: no state file, no sync.
    if (!m_state_written && std::find(m_recorded.begin(), m_recorded.end(), 1) == m_recorded.end())
        return;
    std::ostringstream text;
    text << state_magic << "\n" << m_content_id << " " << m_size << " " << m_chunk_size << "\n";
    for (const auto recorded : m_recorded)
        text << (recorded ? '1' : '0');
    text << (m_recorded.empty() ? "-" : "") << "\n";
    // Data first, then the state that vouches for it.
    ::fdatasync(m_fd.get());
    if (write_file_atomically(m_state, text.str()).empty()) {
        m_dirty = false;
        m_state_written = true;
    }
}

std::string PartialFile::finish() {
    if (m_state_written)
        save_state(); // should the rename fail, the partial file is known complete
    else
        ::fdatasync(m_fd.get()); // the bytes are on disk before the name says they are there
    if (const int error = m_fd.close(); error != 0)
        return "cannot write " + m_part + ": " + std::strerror(error);
    // RENAME_NOREPLACE: a file that appeared at the final path meanwhile is never overwritten.
    if (::renameat2(AT_FDCWD, m_part.c_str(), AT_FDCWD, m_final.c_str(), RENAME_NOREPLACE) != 0)
        return "cannot move " + m_part + " to " + m_final + ": " + std::strerror(errno);
    if (m_state_written)
        ::unlink(m_state.c_str());
    m_finished = true;
    return {};
}

} // namespace zshare::node
