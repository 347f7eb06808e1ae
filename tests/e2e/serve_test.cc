// The review server over a real run's output, in process, through real HTTP:
// what it refuses (traversal, missing CSRF token, oversized bodies, foreign
// Host headers, a non-loopback bind without its token) and what an edit does
// to the files (the work folder's and OUT's, still one inode) and to a re-run.
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "media/encode.h"
#include "media_fixtures.h"
#include "run_cli.h"
#include "pipeline/output_lock.h"
#include "web/review_server.h"
#include "web/review_store.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

// A real 48x48 PNG with a pattern of its own: the run decodes every image (dedupe's
// hashes), and no two of these are copies of each other.
std::string pattern_png(int seed) {
  Image8 im;
  im.width = im.height = 48;
  im.channels = 3;
  im.pixels.resize(48 * 48 * 3);
  for (int y = 0; y < 48; ++y) {
    for (int x = 0; x < 48; ++x) {
      const bool on = (x / (3 + 4 * seed) + y / (2 + 5 * seed)) % 2 == 0;
      for (int c = 0; c < 3; ++c) im.pixels[(y * 48 + x) * 3 + c] = uint8_t(on ? 40 * seed + 20 * c : 250 - 60 * seed);
    }
  }
  auto png = encode_image(im, "png", 90, "pattern.png");
  EXPECT_TRUE(png.ok());
  return png.ok() ? *png : std::string();
}

// `tagforge run` on patterns this small, which fail the quality gate: measured, not moved
// ([quality] action = "none").
CliResult run_patterns(const fs::path& in, const fs::path& out) {
  return run_cli({"run", in.string(), "--out", out.string(), "-q", "--quality-action", "none"});
}

// Three images: one whose own caption contradicts its tags (flagged), two plain.
fs::path make_output(const std::string& name) {
  const fs::path root = fresh_dir(name);
  write_file(root / "in" / "a_bad.png", pattern_png(1));
  write_file(root / "in" / "a_bad.txt", "1girl, solo, blonde_hair, red_eyes, smile");
  write_file(root / "in" / "a_bad.caption", "A photograph of a dog on a beach.");
  write_file(root / "in" / "b.png", pattern_png(2));
  write_file(root / "in" / "b.txt", "1girl, solo, blue_hair, smile");
  write_file(root / "in" / "c.png", pattern_png(3));
  write_file(root / "in" / "c.txt", "no_humans, tree, outdoors");
  const CliResult r = run_patterns(root / "in", root / "out");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return root / "out";
}

// A server in this process on a free loopback port (or `host`).
struct Served {
  explicit Served(const fs::path& out, const std::string& host = "127.0.0.1") {
    auto s = ReviewStore::open(out);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    store = std::move(*s);
    ServeOptions o;
    o.host = host;
    o.port = 0;
    auto b = ReviewServer::bind(*store, o);
    EXPECT_TRUE(b.ok()) << b.error().to_string();
    server = std::move(*b);
    thread = std::thread([this] { server->serve(); });
    while (!client().Get("/app.css")) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Served() {
    server->stop();
    thread.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", server->port()); }
  // The page's CSRF token, as a browser would read it.
  std::string csrf() const {
    auto res = client().Get("/", {{"Authorization", "Bearer " + server->access_token()}});
    const std::string mark = "name=\"csrf-token\" content=\"";
    const size_t at = res->body.find(mark) + mark.size();
    return res->body.substr(at, res->body.find('"', at) - at);
  }
  uint32_t id_of(const std::string& path) const { return *store->index().id_of(path); }
  std::unique_ptr<ReviewStore> store;
  std::unique_ptr<ReviewServer> server;
  std::thread thread;
};

ino_t inode(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(Serve, RefusesTraversalMissingCsrfOversizedBodiesAndForeignHosts) {
  const fs::path out = make_output("serve-security");
  Served s(out);
  auto c = s.client();
  for (const char* path : {"/api/items/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
                           "/api/items/0/../../../../etc/passwd", "/api/items/-1", "/api/items/99999999999",
                           "/api/items/0%2f..%2f..%2fmanifest.sqlite", "/.tagforge/manifest.sqlite", "/api/items/3"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
  }

  const uint32_t id = s.id_of("b.png");
  const std::string target = "/api/items/" + std::to_string(id);
  const fs::path caption = out / ".tagforge" / "work" / "b.caption";
  const std::string before = read_file(caption);
  const std::string body = json{{"caption", "changed"}}.dump();
  auto no_token = c.Post(target, body, "application/json");
  EXPECT_EQ(no_token->status, 403);
  auto wrong = c.Post(target, {{"X-CSRF-Token", "0123"}}, body, "application/json");
  EXPECT_EQ(wrong->status, 403);
  auto other_origin = c.Post(target, {{"X-CSRF-Token", s.csrf()}, {"Origin", "http://evil.example"}}, body,
                             "application/json");
  EXPECT_EQ(other_origin->status, 403);
  EXPECT_EQ(c.Post("/api/undo", "{}", "application/json")->status, 403);
  EXPECT_EQ(read_file(caption), before);

  const std::string huge = json{{"caption", std::string(2 << 20, 'x')}}.dump();
  auto big = c.Post(target, {{"X-CSRF-Token", s.csrf()}}, huge, "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(read_file(caption), before);

  auto not_json = c.Post(target, {{"X-CSRF-Token", s.csrf()}}, "{not json", "application/json");
  EXPECT_EQ(not_json->status, 400);

  // DNS rebinding: a page elsewhere reaching 127.0.0.1 under its own name.
  auto foreign = c.Get("/api/items", {{"Host", "evil.example:80"}});
  EXPECT_EQ(foreign->status, 403);
  EXPECT_EQ(c.Get("/api/items", {{"Host", "localhost:1"}})->status, 200);
}

TEST(Serve, ANonLoopbackBindAnswersOnlyWithItsToken) {
  const fs::path out = make_output("serve-token");
  Served s(out, "0.0.0.0");
  const std::string token = s.server->access_token();
  ASSERT_GE(token.size(), 32u);
  EXPECT_NE(s.server->url().find("?token=" + token), std::string::npos);
  auto c = s.client();
  EXPECT_EQ(c.Get("/")->status, 401);
  EXPECT_EQ(c.Get("/api/items")->status, 401);
  EXPECT_EQ(c.Get("/api/items/0/image")->status, 401);
  EXPECT_EQ(c.Get("/?token=wrong")->status, 401);
  auto with = c.Get(("/?token=" + token).c_str());
  EXPECT_EQ(with->status, 200);
  EXPECT_NE(with->get_header_value("Set-Cookie").find("tagforge_token=" + token), std::string::npos);
  EXPECT_EQ(c.Get("/api/items", {{"Cookie", "tagforge_token=" + token}})->status, 200);
  EXPECT_EQ(c.Get("/api/items", {{"Authorization", "Bearer " + token}})->status, 200);
  // Writes need the CSRF token besides.
  EXPECT_EQ(c.Post("/api/undo", {{"Authorization", "Bearer " + token}}, "{}", "application/json")->status, 403);
}

TEST(Serve, AnEditRewritesTheSidecarsInTheWorkFolderAndInOutAndARerunKeepsIt) {
  const fs::path out = make_output("serve-edit");
  const fs::path work = out / ".tagforge" / "work";
  const fs::path placed_tags = out / "review_1" / "a_bad.txt";
  ASSERT_TRUE(fs::exists(placed_tags)) << "the contradicting caption is flagged";
  EXPECT_NE(read_file(placed_tags).find("needs_review"), std::string::npos);
  {
    Served s(out);
    auto c = s.client();
    const httplib::Headers csrf{{"X-CSRF-Token", s.csrf()}};
    const uint32_t id = s.id_of("a_bad.png");
    const std::string target = "/api/items/" + std::to_string(id);

    auto items = json::parse(c.Get("/api/items?flagged=1")->body);
    ASSERT_EQ(items["total"], 1);
    EXPECT_EQ(items["items"][0]["id"], id);

    auto saved = c.Post(target, csrf,
                        json{{"caption", "A smiling blonde girl with red eyes."},
                             {"tags", {"1girl", "solo", "blonde_hair", "red_eyes", "smile", "Long Hair"}}}
                            .dump(),
                        "application/json");
    ASSERT_EQ(saved->status, 200) << saved->body;
    const json d = json::parse(saved->body);
    EXPECT_EQ(d["caption"], "A smiling blonde girl with red eyes.");
    EXPECT_EQ(d["caption_source"], "edited");
    EXPECT_EQ(d["tags"].back()["name"], "long_hair");
    EXPECT_EQ(d["tags"].back()["source"], "edited");
    EXPECT_EQ(read_file(work / "a_bad.caption"), "A smiling blonde girl with red eyes.");
    EXPECT_EQ(read_file(out / "review_1" / "a_bad.caption"), "A smiling blonde girl with red eyes.");
    EXPECT_EQ(inode(out / "review_1" / "a_bad.caption"), inode(work / "a_bad.caption"));
    EXPECT_NE(read_file(placed_tags).find("long_hair"), std::string::npos);
    EXPECT_EQ(inode(placed_tags), inode(work / "a_bad.txt"));

    auto approved = c.Post(target + "/approve", csrf, R"({"approved": true})", "application/json");
    ASSERT_EQ(approved->status, 200) << approved->body;
    EXPECT_EQ(json::parse(approved->body)["flagged"], false);
    const std::string tags = read_file(placed_tags);
    EXPECT_NE(tags.find("auto_best_caption, accuracy_90_up"), std::string::npos) << tags;
    EXPECT_EQ(tags.find("needs_review"), std::string::npos) << tags;
    EXPECT_EQ(json::parse(c.Get("/api/items?flagged=1")->body)["total"], 0);

    // Undo takes the approval back (the new caption scores well enough not to be flagged), then the edit.
    EXPECT_EQ(json::parse(c.Post("/api/undo", csrf, "{}", "application/json")->body)["undone"], json::array({id}));
    EXPECT_EQ(read_file(placed_tags).find("auto_best_caption"), std::string::npos);
    EXPECT_NE(read_file(placed_tags).find("long_hair"), std::string::npos);
    ASSERT_EQ(c.Post("/api/undo", csrf, "{}", "application/json")->status, 200);
    EXPECT_EQ(read_file(work / "a_bad.caption"), "A photograph of a dog on a beach.");
    EXPECT_EQ(read_file(placed_tags).find("long_hair"), std::string::npos);
    EXPECT_NE(read_file(placed_tags).find("needs_review"), std::string::npos);
    EXPECT_EQ(json::parse(c.Get("/api/items?flagged=1")->body)["total"], 1);

    // Again, to keep: approved with its new caption.
    ASSERT_EQ(c.Post(target, csrf, json{{"caption", "A smiling blonde girl with red eyes."}}.dump(), "application/json")
                  ->status,
              200);
    ASSERT_EQ(c.Post(target + "/approve", csrf, "{}", "application/json")->status, 200);

    // A batch over every item: smile replaced, a trigger word added.
    auto all = json::parse(c.Get("/api/ids")->body)["ids"];
    auto batch = c.Post("/api/batch", csrf,
                        json{{"ids", all}, {"add", {"mychar"}}, {"replace", json::array({json::array({"smile", "grin"})})}}.dump(),
                        "application/json");
    ASSERT_EQ(batch->status, 200) << batch->body;
    EXPECT_EQ(json::parse(batch->body)["changed"], 3);
    EXPECT_EQ(read_file(work / "b.txt").find("smile"), std::string::npos);
    EXPECT_NE(read_file(work / "b.txt").find("grin"), std::string::npos);
    EXPECT_NE(read_file(work / "c.txt").find("mychar"), std::string::npos);
  }
  // The next run keeps every edit, and files the approved item out of review_1.
  const fs::path in = out.parent_path() / "in";
  const CliResult r = run_patterns(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(out / "review_1" / "a_bad.png"));
  EXPECT_EQ(read_file(out / "images_1" / "a_bad.caption"), "A smiling blonde girl with red eyes.");
  EXPECT_NE(read_file(out / "images_1" / "a_bad.txt").find("auto_best_caption"), std::string::npos);
  EXPECT_NE(read_file(out / "images_1" / "b.txt").find("grin"), std::string::npos);
  EXPECT_NE(read_file(out / "metadata.jsonl").find("A smiling blonde girl with red eyes."), std::string::npos);
  const std::string snapshot_txt = read_file(out / "images_1" / "c.txt");
  EXPECT_NE(snapshot_txt.find("mychar"), std::string::npos);
  // And settles: a second run changes nothing (but the report's counts).
  auto before = snapshot(out);
  ASSERT_EQ(run_patterns(in, out).exit_code, 0);
  auto after = snapshot(out);
  before.erase("report.html");
  after.erase("report.html");
  EXPECT_EQ(after, before);
}

TEST(Serve, AnEditWhileARunWritesTheOutputIsRefusedAndChangesNothing) {
  const fs::path out = make_output("serve-busy");
  Served s(out);
  const std::string csrf = s.csrf();
  const fs::path caption = out / ".tagforge" / "work" / "b.caption";
  const std::string before = read_file(caption);
  const std::string target = "/api/items/" + std::to_string(s.id_of("b.png"));
  {
    auto run_lock = OutputLock::take(out / ".tagforge" / "run.lock");  // as `tagforge run` holds it
    ASSERT_TRUE(run_lock.ok());
    auto res = s.client().Post(target, {{"X-CSRF-Token", csrf}}, R"({"caption": "while running"})", "application/json");
    EXPECT_EQ(res->status, 409);
    EXPECT_NE(res->body.find("a tagforge run is writing this output"), std::string::npos) << res->body;
    EXPECT_EQ(read_file(caption), before);
  }
  auto res = s.client().Post(target, {{"X-CSRF-Token", csrf}}, R"({"caption": "after the run"})", "application/json");
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(read_file(caption), "after the run");
}

TEST(Serve, TheCliServesUntilSigtermThenExitsCleanly) {
  const fs::path out = make_output("serve-cli");
  int port = 0;
  {  // a free port, for the CLI to take
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  const pid_t pid = spawn_cli({"serve", out.string(), "--port", std::to_string(port)});
  httplib::Client c("127.0.0.1", port);
  std::string body;
  for (int i = 0; i < 500 && body.empty(); ++i) {
    if (auto res = c.Get("/api/items")) {
      body = res->body;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_FALSE(body.empty()) << "the CLI never answered";
  EXPECT_EQ(json::parse(body)["all"], 3);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // Stopped at once after its start, too (before its accept loop has begun).
  const pid_t quick = spawn_cli({"serve", out.string(), "--port", "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ::kill(quick, SIGTERM);
  ASSERT_EQ(::waitpid(quick, &status, 0), quick);
  EXPECT_TRUE(WIFEXITED(status) || WIFSIGNALED(status)) << status;
}

TEST(Serve, AnOutputWithoutAManifestIsAClearError) {
  const fs::path dir = fresh_dir("serve-none");
  auto s = ReviewStore::open(dir);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().to_string().find("is not a tagforge output"), std::string::npos);
  const CliResult r = run_cli({"serve", dir.string(), "--port", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a tagforge output"), std::string::npos) << r.err;
}

TEST(Serve, TheQualityGatesMeasuresAreShownFilteredAndSortedBy) {
  const fs::path root = fresh_dir("serve-quality");
  write_file(root / "in" / "sprite.png", read_file(fs::path(TAGFORGE_TEST_MEDIA_DIR) / "sylvie blue smile.png"));
  write_file(root / "in" / "sprite.txt", "1girl, solo, smile");
  write_file(root / "in" / "tiny.png", pattern_png(1));
  write_file(root / "in" / "tiny.txt", "1girl, solo");
  const CliResult r = run_cli({"run", (root / "in").string(), "--out", (root / "out").string(), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(root / "out" / "low_quality_1" / "tiny.png"));
  Served s(root / "out");
  auto c = s.client();
  const json low = json::parse(c.Get("/api/items?quality=low")->body);
  ASSERT_EQ(low["total"], 1) << low.dump();
  EXPECT_EQ(low["items"][0]["name"], "tiny.png");
  EXPECT_EQ(low["items"][0]["low_quality"], true);
  const json sorted = json::parse(c.Get("/api/items?sort=sharpness")->body);
  ASSERT_EQ(sorted["total"], 2);
  EXPECT_LE(sorted["items"][0]["sharpness"].get<double>(), sorted["items"][1]["sharpness"].get<double>());
  const json tiny = json::parse(c.Get("/api/items/" + std::to_string(s.id_of("tiny.png")))->body);
  ASSERT_TRUE(tiny.contains("quality")) << tiny.dump();
  EXPECT_EQ(tiny["quality"]["width"], 48);
  EXPECT_EQ(tiny["quality"]["passes"], false);
  EXPECT_EQ(tiny["quality"]["faults"].back(), "small (short side 48 px < 256)");
  const json sprite = json::parse(c.Get("/api/items/" + std::to_string(s.id_of("sprite.png")))->body);
  EXPECT_EQ(sprite["quality"]["passes"], true) << sprite.dump();
}


}  // namespace
}  // namespace tagforge::e2e
