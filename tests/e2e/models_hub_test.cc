// End-to-end: `tagforge models` against a local mirror that speaks the
// Hugging Face hub's resolve API (tests/support/fake_hub_server), serving the
// tiny WD-shaped and YOLO-shaped test models under the catalogue's real
// repository ids. Pull, resume, verify, offline, a cache laid out by
// huggingface_hub, the lock file, and every fault a pull can meet.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "fake_hub_server.h"
#include "media_fixtures.h"
#include "run_cli.h"
#include "test_models.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::FakeHubFaults;
using tagforge::testing::FakeHubRepo;
using tagforge::testing::FakeHubServer;
using tagforge::testing::read_file;
using tagforge::testing::sha256_hex;
using tagforge::testing::test_models_dir;
using tagforge::testing::write_file;

const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;
const std::string kWdCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kFaceCommit = "fedcba9876543210fedcba9876543210fedcba98";
const std::string kWdRepo = "SmilingWolf/wd-vit-tagger-v3";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A mirror with the WD tagger (model.onnx in LFS, selected_tags.csv in git)
// and the face detector, and a home whose HF cache, lock and bundled models
// folder are empty.
struct Hub {
  FakeHubServer server;
  fs::path home;
  std::string model_bytes, tags_bytes;

  explicit Hub(const std::string& name) : home(fresh_dir(name)) {
    model_bytes = read_file(test_models_dir() / "wd_v3" / "model.onnx");
    tags_bytes = read_file(test_models_dir() / "wd_v3" / "selected_tags.csv");
    server.add_repo(kWdRepo, FakeHubRepo{kWdCommit, {{"model.onnx", {model_bytes, true}},
                                                     {"selected_tags.csv", {tags_bytes, false}}}, ""});
    server.add_repo("deepghs/anime_face_detection",
                    FakeHubRepo{kFaceCommit,
                                {{"face_detect_v1.4_s/model.onnx",
                                  {read_file(test_models_dir() / "detector" / "model.onnx"), true}}},
                                ""});
  }
  fs::path cache() const { return home / "hf" / "hub"; }
  fs::path repo_dir() const { return cache() / "models--SmilingWolf--wd-vit-tagger-v3"; }
  fs::path lock() const { return home / "models.lock"; }
  std::vector<std::string> env(std::vector<std::string> more = {}) const {
    std::vector<std::string> e{"HF_ENDPOINT=" + server.endpoint(), "HF_HOME=" + (home / "hf").string(),
                               "HF_HUB_OFFLINE=0", "HF_TOKEN=", "TAGFORGE_MODELS_LOCK=" + lock().string(),
                               "TAGFORGE_MODELS_DIR=" + (home / "bundled").string()};
    e.insert(e.end(), more.begin(), more.end());
    return e;
  }
  CliResult run(std::vector<std::string> args, std::vector<std::string> more_env = {}) const {
    return run_cli(args, env(std::move(more_env)));
  }
  CliResult pull(const std::string& name, std::vector<std::string> more_env = {}) const {
    return run({"models", "pull", name, "--backoff", "0.01", "--retries", "3"}, std::move(more_env));
  }
};

fs::path one_image(const std::string& name) {
  auto root = fresh_dir(name);
  fs::copy_file(kMedia / "sylvie blue smile.png", root / "blue.png");
  return root;
}

TEST(ModelsHub, PullLaysOutTheHubCacheLocksItAndTagByNameWorks) {
  Hub hub("hub-pull");
  CliResult r = hub.pull("wd-vit-tagger-v3", {"HF_TOKEN=sekrit-token"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // huggingface_hub's layout: blobs named by ETag, relative links, the ref.
  const std::string sha = sha256_hex(hub.model_bytes);
  EXPECT_EQ(read_file(hub.repo_dir() / "blobs" / sha), hub.model_bytes);
  EXPECT_EQ(read_file(hub.repo_dir() / "blobs" / tagforge::testing::git_blob_id(hub.tags_bytes)), hub.tags_bytes);
  const fs::path link = hub.repo_dir() / "snapshots" / kWdCommit / "model.onnx";
  ASSERT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), fs::path("../../blobs") / sha);
  EXPECT_EQ(read_file(hub.repo_dir() / "refs" / "main"), kWdCommit);
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "blobs" / (sha + ".incomplete")));
  // The lock pins the commit and every file's sha256; the token is nowhere.
  const std::string lock = read_file(hub.lock());
  EXPECT_TRUE(contains(lock, kWdCommit)) << lock;
  EXPECT_TRUE(contains(lock, sha)) << lock;
  EXPECT_TRUE(contains(lock, sha256_hex(hub.tags_bytes))) << lock;
  EXPECT_FALSE(contains(lock + r.out + r.err, "sekrit")) << r.err;
  // The token went to the hub, never to the CDN's other origin.
  const auto stats = hub.server.stats();
  EXPECT_EQ(stats.heads, 2);
  EXPECT_EQ(stats.cdn_gets, 1);
  for (const auto& a : stats.resolve_authorizations) EXPECT_EQ(a, "Bearer sekrit-token");
  for (const auto& a : stats.cdn_authorizations) EXPECT_EQ(a, "");

  CliResult path = hub.run({"models", "path", "wd-vit-tagger-v3"});
  ASSERT_EQ(path.exit_code, 0) << path.err;
  EXPECT_EQ(path.out, (hub.repo_dir() / "snapshots" / kWdCommit).string() + "\n");

  // Tagging by name, as a user would after the pull.
  auto root = one_image("hub-tag");
  CliResult tag = hub.run({"tag", (root / "blue.png").string(), "--model", "wd-vit-tagger-v3", "--json"});
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  const auto j = nlohmann::json::parse(tag.out);
  EXPECT_EQ(j["general"]["simple_background"], 0.5);  // the tiny model's constant tag
  EXPECT_TRUE(j["general"].contains("white_background")) << tag.out;
  EXPECT_TRUE(contains(tag.err, "tagged with wd-vit-tagger-v3 (wd-v3)")) << tag.err;
  EXPECT_TRUE(contains(read_file(root / "blue.txt"), "white_background"));

  // A second pull: everything is in the cache, no request is made.
  CliResult again = hub.pull("wd-vit-tagger-v3");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "is in the cache")) << again.err;
  EXPECT_EQ(hub.server.stats().heads, 2);
  EXPECT_EQ(hub.server.stats().cdn_gets, 1);
}

TEST(ModelsHub, AConnectionCutMidFileIsResumedWithRange) {
  Hub hub("hub-resume");
  const size_t half = hub.model_bytes.size() / 2;
  hub.server.set_faults(FakeHubFaults{.drops = 1, .drop_after = half});
  CliResult r = hub.pull("wd-vit-tagger-v3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = hub.server.stats();
  ASSERT_EQ(s.ranges.size(), 2u);
  EXPECT_EQ(s.ranges[0], "");
  EXPECT_EQ(s.ranges[1], "bytes=" + std::to_string(half) + "-");
  EXPECT_EQ(s.cdn_bytes, hub.model_bytes.size());  // nothing was fetched twice
  EXPECT_EQ(read_file(hub.repo_dir() / "snapshots" / kWdCommit / "model.onnx"), hub.model_bytes);
}

TEST(ModelsHub, APullThatGivesUpKeepsItsBytesAndTheNextOneResumes) {
  Hub hub("hub-giveup");
  const size_t part = hub.model_bytes.size() / 3;
  hub.server.set_faults(FakeHubFaults{.drops = 100, .drop_after = part});
  CliResult r = hub.pull("wd-vit-tagger-v3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "wd-vit-tagger-v3: model.onnx: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "after 3 attempts")) << r.err;
  EXPECT_TRUE(contains(r.err, "put SmilingWolf/wd-vit-tagger-v3's files (model.onnx, selected_tags.csv) in a folder by hand"))
      << r.err;
  // Nothing installed: no blob, no link, no ref, no lock; the partial bytes stay for a resume.
  const fs::path partial = hub.repo_dir() / "blobs" / (sha256_hex(hub.model_bytes) + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_EQ(fs::file_size(partial), part);  // each attempt made no progress past the cut... 
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "blobs" / sha256_hex(hub.model_bytes)));
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "refs" / "main"));
  EXPECT_FALSE(fs::exists(hub.lock()));
  CliResult path = hub.run({"models", "path", "wd-vit-tagger-v3"});
  EXPECT_EQ(path.exit_code, 1);
  EXPECT_TRUE(contains(path.err, "tagforge models pull wd-vit-tagger-v3")) << path.err;

  hub.server.set_faults({});
  const uint64_t before = hub.server.stats().cdn_bytes;
  CliResult resumed = hub.pull("wd-vit-tagger-v3");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(hub.server.stats().ranges.back(), "bytes=" + std::to_string(part) + "-");
  EXPECT_EQ(hub.server.stats().cdn_bytes - before, hub.model_bytes.size() - part);
  EXPECT_EQ(read_file(hub.repo_dir() / "snapshots" / kWdCommit / "model.onnx"), hub.model_bytes);
}

TEST(ModelsHub, AWrongByteInstallsNothing) {
  Hub hub("hub-corrupt");
  hub.server.set_faults(FakeHubFaults{.corrupt_byte = true});
  CliResult r = hub.pull("wd-vit-tagger-v3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "wd-vit-tagger-v3: model.onnx: the bytes hash to")) << r.err;
  EXPECT_TRUE(contains(r.err, "nothing was installed")) << r.err;
  std::vector<std::string> left;
  for (const auto& e : fs::recursive_directory_iterator(hub.repo_dir() / "blobs")) left.push_back(e.path().string());
  EXPECT_TRUE(left.empty()) << left.front();
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "snapshots"));
  EXPECT_FALSE(fs::exists(hub.lock()));
}

TEST(ModelsHub, A404AndAGatedRepositoryAreOneLineErrorsThatSayWhatToDo) {
  Hub hub("hub-404");
  hub.server.set_faults(FakeHubFaults{.missing = {kWdRepo + "/selected_tags.csv"}});
  CliResult r = hub.pull("wd-vit-tagger-v3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "wd-vit-tagger-v3: selected_tags.csv: HTTP 404: no such file in " + kWdRepo)) << r.err;
  size_t error_lines = 0;
  for (size_t at = 0; (at = r.err.find("tagforge models pull:", at)) != std::string::npos; ++at) ++error_lines;
  EXPECT_EQ(error_lines, 1u) << r.err;
  EXPECT_EQ(r.err.find('\n', r.err.find("tagforge models pull:")), r.err.size() - 1) << "one line, the last";
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "refs" / "main"));

  Hub gated("hub-401");
  gated.server.add_repo("deepghs/anime_face_detection",
                        FakeHubRepo{kFaceCommit,
                                    {{"face_detect_v1.4_s/model.onnx",
                                      {read_file(test_models_dir() / "detector" / "model.onnx"), true}}},
                                    "hf_goodtoken"});
  CliResult no_token = gated.pull("face");
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_TRUE(contains(no_token.err, "face: face_detect_v1.4_s/model.onnx: HTTP 401: deepghs/anime_face_detection is a "
                                     "gated repository: accept its conditions at"))
      << no_token.err;
  EXPECT_TRUE(contains(no_token.err, "set HF_TOKEN")) << no_token.err;
  CliResult with_token = gated.pull("face", {"HF_TOKEN=hf_goodtoken"});
  ASSERT_EQ(with_token.exit_code, 0) << with_token.err;
  EXPECT_FALSE(contains(with_token.err + read_file(gated.lock()), "hf_goodtoken"));
  // The detector's snapshot is its subfolder, and detect takes the name.
  auto root = one_image("hub-detect");
  CliResult det = gated.run({"detect", (root / "blue.png").string(), "--model", "face", "--json"});
  ASSERT_EQ(det.exit_code, 0) << det.err;
  EXPECT_TRUE(contains(det.out, "\"model\":\"face\"")) << det.out;
}

TEST(ModelsHub, HttpsAsTheRealHubWithTheCertificateChecked) {
  const fs::path dir = fresh_dir("hub-tls-cert");
  const auto tls = tagforge::testing::make_test_certificate(dir.string());
  FakeHubServer server(tls);
  server.add_repo(kWdRepo, FakeHubRepo{kWdCommit, {{"model.onnx", {read_file(test_models_dir() / "wd_v3" / "model.onnx"), true}},
                                                   {"selected_tags.csv", {read_file(test_models_dir() / "wd_v3" / "selected_tags.csv"), false}}},
                                       ""});
  const fs::path home = fresh_dir("hub-tls");
  std::vector<std::string> env{"HF_ENDPOINT=" + server.endpoint(), "HF_HOME=" + (home / "hf").string(),
                               "HF_HUB_OFFLINE=0", "HF_TOKEN=hf_tls_token",
                               "TAGFORGE_MODELS_LOCK=" + (home / "lock").string()};
  // An unknown certificate is refused: verification is on.
  CliResult untrusted = run_cli({"models", "pull", "wd-vit-tagger-v3", "--backoff", "0.01", "--retries", "1"}, env);
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_TRUE(contains(untrusted.err, "cannot reach https://127.0.0.1:")) << untrusted.err;
  EXPECT_EQ(server.stats().heads, 0);
  // Trusted (as a private mirror's CA would be), the pull goes through, the CDN redirect too.
  env.push_back("SSL_CERT_FILE=" + tls.cert_file);
  CliResult r = run_cli({"models", "pull", "wd-vit-tagger-v3", "-q"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.stats().cdn_gets, 1);
  for (const auto& a : server.stats().cdn_authorizations) EXPECT_EQ(a, "");
  for (const auto& a : server.stats().resolve_authorizations) EXPECT_EQ(a, "Bearer hf_tls_token");
  EXPECT_TRUE(fs::is_symlink(home / "hf" / "hub" / "models--SmilingWolf--wd-vit-tagger-v3" / "snapshots" / kWdCommit /
                             "model.onnx"));
}

TEST(ModelsHub, NoNetworkIsAnErrorThatSaysWhatToDo) {
  Hub hub("hub-nonet");
  // Nothing listens on port 1 of the loopback: the connection is refused, as with no network.
  CliResult r = hub.pull("wd-vit-tagger-v3", {"HF_ENDPOINT=http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "wd-vit-tagger-v3: model.onnx: cannot reach http://127.0.0.1:1")) << r.err;
  EXPECT_TRUE(contains(r.err, "after 3 attempts; check the network or HF_ENDPOINT")) << r.err;
  EXPECT_TRUE(contains(r.err, "in a folder by hand and pass the folder instead of the name")) << r.err;
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "snapshots"));
  EXPECT_FALSE(fs::exists(hub.lock()));
}

TEST(ModelsHub, OfflineUsesTheCacheAndNeverTheNetwork) {
  Hub hub("hub-offline");
  CliResult cold = hub.pull("wd-vit-tagger-v3", {"HF_HUB_OFFLINE=1"});
  EXPECT_EQ(cold.exit_code, 1);
  EXPECT_TRUE(contains(cold.err, "HF_HUB_OFFLINE=1")) << cold.err;
  auto root = one_image("hub-offline-tag");
  CliResult tag_cold = hub.run({"tag", root.string(), "--model", "wd-vit-tagger-v3"}, {"HF_HUB_OFFLINE=1"});
  EXPECT_EQ(tag_cold.exit_code, 2);
  EXPECT_TRUE(contains(tag_cold.err, "run `tagforge models pull wd-vit-tagger-v3` without HF_HUB_OFFLINE=1"))
      << tag_cold.err;
  EXPECT_EQ(hub.server.stats().heads, 0);

  ASSERT_EQ(hub.pull("wd-vit-tagger-v3").exit_code, 0);
  const int heads = hub.server.stats().heads;
  CliResult warm = hub.pull("wd-vit-tagger-v3", {"HF_HUB_OFFLINE=1"});
  EXPECT_EQ(warm.exit_code, 0) << warm.err;
  CliResult tag = hub.run({"tag", root.string(), "--model", "wd-vit-tagger-v3"}, {"HF_HUB_OFFLINE=1"});
  EXPECT_EQ(tag.exit_code, 0) << tag.err;
  EXPECT_EQ(hub.server.stats().heads, heads);
}

TEST(ModelsHub, ACacheLaidOutByHuggingfaceHubIsUsedInPlace) {
  Hub hub("hub-reuse");
  // As hf_hub_download leaves it: blobs by ETag, snapshot links, refs/main without a newline.
  const std::string sha = sha256_hex(hub.model_bytes);
  const std::string git = tagforge::testing::git_blob_id(hub.tags_bytes);
  const std::string commit = "1111111111111111111111111111111111111111";
  fs::create_directories(hub.repo_dir() / "blobs");
  fs::create_directories(hub.repo_dir() / "snapshots" / commit);
  fs::create_directories(hub.repo_dir() / "refs");
  write_file(hub.repo_dir() / "blobs" / sha, hub.model_bytes);
  write_file(hub.repo_dir() / "blobs" / git, hub.tags_bytes);
  fs::create_symlink(fs::path("../../blobs") / sha, hub.repo_dir() / "snapshots" / commit / "model.onnx");
  fs::create_symlink(fs::path("../../blobs") / git, hub.repo_dir() / "snapshots" / commit / "selected_tags.csv");
  write_file(hub.repo_dir() / "refs" / "main", commit);

  CliResult list = hub.run({"models", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto models = nlohmann::json::parse(list.out);
  ASSERT_EQ(models[0]["name"], "wd-vit-tagger-v3");
  EXPECT_EQ(models[0]["installed"], true);
  EXPECT_EQ(models[0]["dir"], (hub.repo_dir() / "snapshots" / commit).string());
  CliResult r = hub.pull("wd-vit-tagger-v3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "is in the cache")) << r.err;
  EXPECT_EQ(hub.server.stats().heads, 0);
  EXPECT_EQ(hub.server.stats().cdn_gets, 0);
  EXPECT_TRUE(contains(read_file(hub.lock()), commit));  // the lock pins what was found
  auto root = one_image("hub-reuse-tag");
  EXPECT_EQ(hub.run({"tag", root.string(), "--model", "wd-vit-tagger-v3", "-q"}).exit_code, 0);
}

TEST(ModelsHub, ALaterPullMustMatchTheLockUntilUpdate) {
  Hub hub("hub-lock");
  ASSERT_EQ(hub.pull("wd-vit-tagger-v3").exit_code, 0);
  // The cache is lost, and the mirror now serves other bytes for the same commit.
  fs::remove_all(hub.cache());
  std::string changed = hub.model_bytes;
  changed.append("tampered");
  hub.server.add_repo(kWdRepo, FakeHubRepo{kWdCommit, {{"model.onnx", {changed, true}},
                                                       {"selected_tags.csv", {hub.tags_bytes, false}}}, ""});
  CliResult r = hub.pull("wd-vit-tagger-v3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "is not the " + sha256_hex(hub.model_bytes) + " the lock file recorded")) << r.err;
  EXPECT_TRUE(contains(r.err, "tagforge models pull --update wd-vit-tagger-v3")) << r.err;
  EXPECT_FALSE(fs::exists(hub.repo_dir() / "blobs" / sha256_hex(changed)));
  EXPECT_EQ(hub.server.stats().cdn_gets, 1);  // refused from the hub's stated sha256, before a byte

  CliResult update = hub.run({"models", "pull", "--update", "wd-vit-tagger-v3"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_TRUE(contains(read_file(hub.lock()), sha256_hex(changed)));
}

TEST(ModelsHub, VerifyFindsADamagedBlobAndRmFreesIt) {
  Hub hub("hub-verify");
  ASSERT_EQ(hub.pull("wd-vit-tagger-v3").exit_code, 0);
  CliResult ok = hub.run({"models", "verify"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(contains(ok.out, "ok   wd-vit-tagger-v3 model.onnx")) << ok.out;
  EXPECT_TRUE(contains(ok.out, "ok   wd-vit-tagger-v3 selected_tags.csv")) << ok.out;
  const fs::path blob = hub.repo_dir() / "blobs" / sha256_hex(hub.model_bytes);
  std::string damaged = hub.model_bytes;
  damaged[10] ^= 1;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  write_file(blob, damaged);
  CliResult bad = hub.run({"models", "verify", "wd-vit-tagger-v3"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.out, "BAD  wd-vit-tagger-v3 model.onnx: its bytes hash to")) << bad.out;

  CliResult rm = hub.run({"models", "rm", "wd-vit-tagger-v3"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_FALSE(fs::exists(hub.repo_dir()));
  EXPECT_FALSE(contains(read_file(hub.lock()), "wd-vit-tagger-v3"));
}

TEST(ModelsHub, RedirectsRetriesAndAServerThatIgnoresRange) {
  Hub hub("hub-redirect");
  // The catalogue's repository was renamed: the hub answers with a relative redirect.
  hub.server.add_repo("SmilingWolf/old-name", {});
  hub.server.set_faults(FakeHubFaults{.renamed = {{kWdRepo, "SmilingWolf/new-name"}}, .fail_503 = 2});
  hub.server.add_repo("SmilingWolf/new-name", FakeHubRepo{kWdCommit, {{"model.onnx", {hub.model_bytes, true}},
                                                                       {"selected_tags.csv", {hub.tags_bytes, false}}}, ""});
  CliResult r = hub.pull("wd-vit-tagger-v3");
  ASSERT_EQ(r.exit_code, 0) << r.err;  // two 503s, then the redirect
  EXPECT_EQ(read_file(hub.repo_dir() / "snapshots" / kWdCommit / "model.onnx"), hub.model_bytes);

  // A partial file from an earlier pull, and a CDN that ignores Range: the download starts over.
  Hub plain("hub-norange");
  const std::string sha = sha256_hex(plain.model_bytes);
  fs::create_directories(plain.repo_dir() / "blobs");
  write_file(plain.repo_dir() / "blobs" / (sha + ".incomplete"), "garbage that is not the start of the file");
  plain.server.set_faults(FakeHubFaults{.ignore_range = true});
  CliResult p = plain.pull("wd-vit-tagger-v3");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(read_file(plain.repo_dir() / "blobs" / sha), plain.model_bytes);
}

TEST(ModelsHub, RunUsesTheInstalledDefaultsAndNamesWhatIsMissing) {
  Hub hub("hub-run");
  ASSERT_EQ(hub.pull("wd-vit-tagger-v3").exit_code, 0);
  auto in = one_image("hub-run-in");
  const fs::path out = fresh_dir("hub-run-out");
  CliResult r = hub.run({"run", in.string(), "--out", out.string(), "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  ASSERT_EQ(s["models"][0]["stage"], "tagger");
  EXPECT_EQ(s["models"][0]["model"], "wd-vit-tagger-v3");
  EXPECT_EQ(s["models"][0]["ran"], true);
  EXPECT_EQ(s["models"][0]["default"], true);
  EXPECT_EQ(s["stages"]["tagger"]["computed"], 1);
  // The other defaults are not installed: skipped, with the command that installs each.
  bool saw_segmenter = false;
  for (const auto& m : s["models"]) {
    if (m["model"] == "anime-seg") {
      saw_segmenter = true;
      EXPECT_EQ(m["ran"], false);
      EXPECT_EQ(m["why_not"], "not installed: `tagforge models pull anime-seg` installs it");
    }
  }
  EXPECT_TRUE(saw_segmenter) << r.out;
  EXPECT_EQ(s["untagged"], 0);
  const std::string report = read_file(out / "report.html");
  EXPECT_TRUE(contains(report, "wd-vit-tagger-v3")) << "the report names the tagger";
  EXPECT_TRUE(contains(report, "tagforge models pull anime-seg"));

  // "none" turns a stage off; a name that is not installed is an error naming the pull command.
  CliResult off = hub.run({"run", in.string(), "--out", fresh_dir("hub-run-off").string(), "--json", "-q",
                           "--tagger", "none", "--detectors", "none"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  const auto so = nlohmann::json::parse(off.out);
  for (const auto& m : so["models"]) EXPECT_NE(m["stage"], "tagger") << off.out;
  CliResult missing = hub.run({"run", in.string(), "--out", fresh_dir("hub-run-missing").string(), "-q",
                               "--tagger", "joytag"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "run `tagforge models pull joytag`")) << missing.err;
  CliResult unknown = hub.run({"tag", in.string(), "--model", "no-such-model"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "neither a model folder nor a model name the catalogue knows")) << unknown.err;
}

}  // namespace
}  // namespace tagforge::e2e
