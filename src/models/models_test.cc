// The catalogue, the lock file, the hub cache's names and links, and name
// resolution (src/models/). Downloads are tested end to end against a local
// mirror in tests/e2e/models_hub_test.cc.
#include <gtest/gtest.h>

#include <fstream>

#include "media_fixtures.h"
#include "models/catalogue.h"
#include "models/file_digest.h"
#include "models/hub_cache.h"
#include "models/hub_client.h"
#include "models/lock_file.h"
#include "models/model_registry.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
using testing::fresh_temp_dir;
using testing::write_file;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Catalogue, TheShippedOneParsesAndItsDefaultsExist) {
  auto c = load_catalogue(TAGFORGE_TEST_DATA_DIR);
  ASSERT_TRUE(c) << c.error().to_string();
  for (const char* name : {"wd-vit-tagger-v3", "wd-swinv2-tagger-v3", "wd-convnext-tagger-v3", "wd-vit-large-tagger-v3",
                           "wd-eva02-large-tagger-v3", "joytag", "face", "head", "person", "hand", "anime-seg",
                           "isnet-imgly", "nsfwjs"}) {
    const CatalogueEntry* e = c->find(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_FALSE(e->licence.empty()) << name;
    EXPECT_FALSE(e->size.empty()) << name;
  }
  EXPECT_EQ(c->entries.front().name, "wd-vit-tagger-v3");  // the file's order
  EXPECT_EQ(c->defaults_of("tagger"), std::vector<std::string>{"wd-vit-tagger-v3"});
  EXPECT_EQ(c->defaults_of("detectors"), (std::vector<std::string>{"face", "head", "person", "hand"}));
  const CatalogueEntry* face = c->find("face");
  EXPECT_EQ(face->repo, "deepghs/anime_face_detection");
  EXPECT_EQ(face->repo_path(face->files[0]), "face_detect_v1.4_s/model.onnx");
  EXPECT_TRUE(contains(c->find("anime-seg")->profile, "preprocess = \"imgutils\""));
  EXPECT_FALSE(c->find("nsfwjs")->from_hub());
}

TEST(Catalogue, MistakesAreErrorsNamingTheEntryAndKey) {
  auto bad = [](const std::string& text) {
    auto c = parse_catalogue(text, "cat.toml");
    return c ? std::string("(parsed)") : c.error().to_string();
  };
  EXPECT_TRUE(contains(bad("[m]\nkind = \"wd\"\nrepo = \"a/b\"\nfiles = [\"x\"]\n"), "model 'm': 'kind' must be"));
  EXPECT_TRUE(contains(bad("[m]\nkind = \"yolo\"\nrepo = \"a/b\"\nfiles = [\"x\"]\ncolour = 1\n"), "'colour'"));
  EXPECT_TRUE(contains(bad("[m]\nkind = \"yolo\"\nrepo = \"nope\"\nfiles = [\"x\"]\n"), "'repo' must be"));
  EXPECT_TRUE(contains(bad("[m]\nkind = \"yolo\"\nrepo = \"a/b\"\nfiles = [\"../x\"]\n"), "'files'"));
  EXPECT_TRUE(contains(bad("[m]\nkind = \"yolo\"\nrepo = \"a/b\"\nfiles = [{path = \"x\", sha256 = \"12\"}]\n"),
                       "64 lowercase hex"));
  EXPECT_TRUE(contains(bad("[m]\nkind = \"yolo\"\nrepo = \"a/b\"\nbundled = \"m\"\n"), "not both"));
  EXPECT_TRUE(contains(bad("[defaults]\ntagger = \"x\"\n"), "names 'x', which the catalogue does not have"));
  EXPECT_TRUE(contains(bad("[defaults]\nsegmentor = \"x\"\n"), "the stages are"));
  EXPECT_TRUE(contains(bad("[none]\nkind = \"yolo\"\nrepo = \"a/b\"\nfiles = [\"x\"]\n"), "not \"none\""));
  EXPECT_TRUE(contains(bad("[m]\nkind = \"isnet\"\nrepo = \"a/b\"\nfiles = [\"x\"]\nprofile = \"kind = \"\n"),
                       "'profile' must be model.toml text"));
  EXPECT_TRUE(contains(bad("[m\n"), "bad model catalogue"));
  auto pinned = parse_catalogue(
      "[m]\nkind = \"yolo\"\nrepo = \"a/b\"\nfiles = [{path = \"x\", sha256 = \"" + std::string(64, 'a') + "\"}]\n",
      "cat.toml");
  ASSERT_TRUE(pinned) << pinned.error().to_string();
  EXPECT_EQ(pinned->find("m")->files[0].sha256, std::string(64, 'a'));
  EXPECT_EQ(pinned->find("m")->revision, "main");
}

TEST(ModelLock, RoundTripsAndRefusesDamage) {
  ModelLock lock;
  lock.models["wd"] = LockedModel{"a/b", "main", std::string(40, 'c'), {{"model.onnx", std::string(64, 'd'), 123}}};
  auto back = parse_model_lock(format_model_lock(lock), "lock");
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->models.count("wd"), 1u);
  EXPECT_EQ(back->models["wd"].commit, std::string(40, 'c'));
  EXPECT_EQ(back->models["wd"].file("model.onnx")->size, 123u);
  EXPECT_EQ(back->models["wd"].file("other"), nullptr);
  auto damaged = parse_model_lock("[wd]\nrepo = \"a/b\"\ncommit = \"short\"\n", "lock");
  ASSERT_FALSE(damaged);
  EXPECT_TRUE(contains(damaged.error().to_string(), "model lock entry 'wd'")) << damaged.error().to_string();
  auto missing = read_model_lock(fresh_temp_dir("lock-missing") / "nope.lock");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->models.empty());
}

TEST(HubCache, NamesRefsAndRelativeLinksAsHuggingfaceHub) {
  EXPECT_EQ(hub_repo_dir("/c", "SmilingWolf/wd-vit-tagger-v3"), fs::path("/c/models--SmilingWolf--wd-vit-tagger-v3"));
  EXPECT_TRUE(is_commit_id(std::string(40, 'a')));
  EXPECT_FALSE(is_commit_id("main"));
  EXPECT_FALSE(is_commit_id(std::string(40, 'A')));
  const fs::path repo = fresh_temp_dir("hubcache") / "models--a--b";
  const std::string commit(40, '1');
  ASSERT_TRUE(hub_write_ref(repo, "main", commit).ok());
  EXPECT_EQ(testing::read_file(repo / "refs" / "main"), commit);  // no newline, as huggingface_hub writes it
  EXPECT_EQ(hub_cached_commit(repo, "main"), commit);
  EXPECT_EQ(hub_cached_commit(repo, "v2"), std::nullopt);
  EXPECT_EQ(hub_cached_commit(repo, commit), commit);
  fs::create_directories(repo / "blobs");
  write_file(repo / "blobs" / "e1", "deep");
  ASSERT_TRUE(hub_link_snapshot(repo, commit, "sub/dir/model.onnx", "e1").ok());
  const fs::path link = repo / "snapshots" / commit / "sub" / "dir" / "model.onnx";
  EXPECT_EQ(fs::read_symlink(link), fs::path("../../../../blobs/e1"));
  EXPECT_EQ(testing::read_file(link), "deep");
  write_file(repo / "blobs" / "e2", "new");
  ASSERT_TRUE(hub_link_snapshot(repo, commit, "sub/dir/model.onnx", "e2").ok());  // replaced in place
  EXPECT_EQ(testing::read_file(link), "new");
}

TEST(HubSettings, ReadTheEnvironmentAsHuggingfaceHubDoes) {
  const fs::path home = fresh_temp_dir("hubenv");
  write_file(home / "hf" / "token", "hf_from_file\n");
  setenv("HF_HOME", (home / "hf").c_str(), 1);
  unsetenv("HF_HUB_CACHE");
  unsetenv("HUGGINGFACE_HUB_CACHE");
  unsetenv("HF_TOKEN");
  unsetenv("HUGGING_FACE_HUB_TOKEN");
  unsetenv("HF_TOKEN_PATH");
  setenv("HF_ENDPOINT", "http://mirror.local:8080/", 1);
  setenv("HF_HUB_OFFLINE", "1", 1);
  HubSettings s = HubSettings::from_environment();
  EXPECT_EQ(s.endpoint, "http://mirror.local:8080");
  EXPECT_EQ(s.cache, home / "hf" / "hub");
  EXPECT_TRUE(s.offline);
  EXPECT_EQ(s.token, "hf_from_file");
  setenv("HF_HUB_CACHE", "/elsewhere", 1);
  setenv("HF_TOKEN", "hf_env", 1);
  setenv("HF_HUB_OFFLINE", "0", 1);
  s = HubSettings::from_environment();
  EXPECT_EQ(s.cache, fs::path("/elsewhere"));
  EXPECT_EQ(s.token, "hf_env");
  EXPECT_FALSE(s.offline);
  for (const char* v : {"HF_HOME", "HF_HUB_CACHE", "HF_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE"}) unsetenv(v);
}

TEST(HubClient, UrlsAreSplitAndPathsEncoded) {
  std::string origin, path;
  ASSERT_TRUE(split_url("https://cdn-lfs.hf.co/repos/a/b?x=1", origin, path));
  EXPECT_EQ(origin, "https://cdn-lfs.hf.co");
  EXPECT_EQ(path, "/repos/a/b?x=1");
  ASSERT_TRUE(split_url("http://127.0.0.1:9", origin, path));
  EXPECT_EQ(path, "/");
  EXPECT_FALSE(split_url("ftp://x/y", origin, path));
  EXPECT_FALSE(split_url("nope", origin, path));
  EXPECT_EQ(url_encode_path("dir/a b#c.onnx"), "dir/a%20b%23c.onnx");
}

TEST(FileDigest, Sha256AndGitBlobIdsOfKnownBytes) {
  const fs::path file = fresh_temp_dir("digest") / "hello";
  write_file(file, "hello\n");
  auto d = digest_file(file, true);
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->sha256(), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  EXPECT_EQ(d->git_blob_id(), "ce013625030ba8dba906f756967f9e9ca394464a");  // `git hash-object` of it
}

TEST(ModelRegistry, FoldersAsGivenNamesWhenInstalledAndWhatToRunOtherwise) {
  const fs::path root = fresh_temp_dir("registry");
  auto cat = parse_catalogue(
      "[defaults]\ntagger = \"t\"\n"
      "[t]\nkind = \"wd-v3\"\nrepo = \"o/t\"\nfiles = [\"model.onnx\", \"selected_tags.csv\"]\n"
      "[b]\nkind = \"nsfw\"\nbundled = \"bee\"\nfetch = \"scripts/fetch_bee.sh\"\n",
      "cat.toml");
  ASSERT_TRUE(cat) << cat.error().to_string();
  HubSettings s;
  s.cache = root / "hub";
  setenv("TAGFORGE_MODELS_DIR", (root / "bundled").c_str(), 1);
  ModelRegistry r(*cat, s, ModelLock{});
  auto folder = r.locate(root.string());
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->dir, root);
  EXPECT_TRUE(folder->name.empty());
  auto absent = r.locate("t");
  ASSERT_FALSE(absent);
  EXPECT_TRUE(contains(absent.error().to_string(), "run `tagforge models pull t`")) << absent.error().to_string();
  auto bundled = r.locate("b");
  ASSERT_FALSE(bundled);
  EXPECT_TRUE(contains(bundled.error().to_string(), "run `scripts/fetch_bee.sh`")) << bundled.error().to_string();
  auto unknown = r.locate("x");
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(contains(unknown.error().to_string(), "(t, b;")) << unknown.error().to_string();

  // A snapshot with both files, found through refs/main; one file short is not installed.
  const std::string commit(40, 'f');
  const fs::path repo = hub_repo_dir(s.cache, "o/t");
  fs::create_directories(repo / "blobs");
  write_file(repo / "blobs" / "m", "model");
  ASSERT_TRUE(hub_link_snapshot(repo, commit, "model.onnx", "m").ok());
  ASSERT_TRUE(hub_write_ref(repo, "main", commit).ok());
  EXPECT_FALSE(r.locate("t"));
  write_file(repo / "blobs" / "s", "tags");
  ASSERT_TRUE(hub_link_snapshot(repo, commit, "selected_tags.csv", "s").ok());
  auto found = r.locate("t");
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ(found->dir, repo / "snapshots" / commit);
  EXPECT_EQ(found->name, "t");
  EXPECT_EQ(found->commit, commit);
  write_file(root / "bundled" / "bee" / "model.onnx", "x");
  EXPECT_TRUE(r.locate("b"));
  unsetenv("TAGFORGE_MODELS_DIR");
}

}  // namespace
}  // namespace tagforge
