#include "media_fixtures.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tagforge::testing {
namespace {

void be32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void le16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
}

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  be32(c, static_cast<uint32_t>(data.size()));
  c += type + data;
  be32(c, 0);  // CRC is not checked by the scanner
  return c;
}

std::string box(const std::string& type, const std::string& payload) {
  std::string b;
  be32(b, static_cast<uint32_t>(8 + payload.size()));
  return b + type + payload;
}

std::string ftyp(const std::string& major, const std::string& compat) {
  return box("ftyp", major + std::string("\0\0\0\0", 4) + compat);
}

}  // namespace

std::string jpeg_bytes(uint32_t seed) {
  std::string s("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20);
  for (int i = 0; i < 16; ++i) s.push_back(static_cast<char>((seed * 31 + i) & 0x7F));
  return s + std::string("\xFF\xD9", 2);
}

std::string png_bytes(uint32_t seed) {
  std::string ihdr;
  be32(ihdr, 1);
  be32(ihdr, 1);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  std::string idat(8, static_cast<char>(seed & 0x7F));
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", idat) +
         std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
}

std::string apng_bytes() {
  std::string ihdr;
  be32(ihdr, 1);
  be32(ihdr, 1);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  std::string actl;
  be32(actl, 3);  // frames
  be32(actl, 0);  // plays
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("acTL", actl) +
         png_chunk("IDAT", "abcd") + std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
}

std::string gif_bytes(int frames) {
  std::string s("GIF89a", 6);
  le16(s, 1);
  le16(s, 1);
  s += std::string("\x80\x00\x00", 3);        // global colour table of 2 entries
  s += std::string("\0\0\0\xFF\xFF\xFF", 6);
  if (frames > 1) s += std::string("\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00", 19);
  for (int f = 0; f < frames; ++f) {
    s += std::string("\x21\xF9\x04\x00\x0A\x00\x00\x00", 8);        // graphic control
    s += std::string("\x2C\0\0\0\0\x01\x00\x01\x00\x00", 10);        // image descriptor
    s += std::string("\x02\x02\x44\x01\x00", 5);                     // LZW data
  }
  return s + ";";
}

std::string webp_bytes(bool animated) {
  std::string body = "WEBP";
  if (animated) {
    std::string vp8x("\x02\0\0\0\0\0\0\0\0\0", 10);  // animation flag
    body += "VP8X";
    le32(body, 10);
    body += vp8x;
    body += "ANIM";
    le32(body, 6);
    body += std::string(6, '\0');
    // Two 1x1 frames of 100 ms: offset 0,0, size-1 0,0, duration, flags; each a lossless
    // red pixel (15 bytes of VP8L, as libwebp writes it, and a pad byte).
    for (int frame = 0; frame < 2; ++frame) {
      body += "ANMF";
      le32(body, 16 + 8 + 16);
      body += std::string(12, '\0');
      body += std::string("\x64\0\0\0", 4);
      body += "VP8L";
      le32(body, 15);
      body += std::string("\x2f\x00\x00\x00\x00\x07\x10\xfd\x8f\xfe\x07\x22\xa2\xff\x01\x00", 16);
    }
  } else {
    body += "VP8L";
    le32(body, 6);
    body += std::string("\x2f\0\0\0\0\0", 6);
  }
  std::string s = "RIFF";
  le32(s, static_cast<uint32_t>(body.size()));
  return s + body;
}

std::string bmp_bytes() {
  std::string s = "BM";
  le32(s, 58);
  le32(s, 0);
  le32(s, 54);
  le32(s, 40);  // BITMAPINFOHEADER
  le32(s, 1);
  le32(s, 1);
  le16(s, 1);
  le16(s, 24);
  s += std::string(24, '\0');
  s += std::string("\0\0\xFF\0", 4);
  return s;
}

std::string avif_bytes() { return ftyp("avif", "mif1miafavif") + box("meta", std::string(12, '\0')) + box("mdat", "x"); }
std::string heif_bytes() { return ftyp("heic", "mif1heic") + box("meta", std::string(12, '\0')) + box("mdat", "x"); }
std::string jxl_bytes() { return std::string("\xFF\x0A\xFA\x7F\x01\x90\x08", 7); }
std::string mp4_bytes() { return ftyp("isom", "isomiso2avc1mp41") + box("moov", std::string(16, '\0')) + box("mdat", "data"); }
std::string mov_bytes() { return ftyp("qt  ", "qt  ") + box("moov", std::string(16, '\0')) + box("mdat", "data"); }

namespace {
std::string ebml_file(const std::string& doctype) {
  // EBML header element with a DocType child, then a Segment of known size.
  std::string doc = std::string("\x42\x82", 2) + static_cast<char>(0x80 | doctype.size()) + doctype;
  std::string s("\x1A\x45\xDF\xA3", 4);
  s.push_back(static_cast<char>(0x80 | doc.size()));
  s += doc;
  std::string seg_payload(10, '\0');
  s += std::string("\x18\x53\x80\x67", 4);
  s.push_back(static_cast<char>(0x80 | seg_payload.size()));
  return s + seg_payload;
}
}  // namespace

std::string webm_bytes() { return ebml_file("webm"); }
std::string mkv_bytes() { return ebml_file("matroska"); }

std::string avi_bytes() {
  std::string body = "AVI LIST";
  le32(body, 4);
  body += "hdrl";
  std::string s = "RIFF";
  le32(s, static_cast<uint32_t>(body.size()));
  return s + body;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path fresh_temp_dir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path p = fs::temp_directory_path() / ("tagforge-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return fs::canonical(p);
}

size_t write_example_tree(const std::filesystem::path& root, int scale, bool awkward_names) {
  size_t n = 0;
  auto put = [&](const std::string& rel, const std::string& bytes) {
    write_file(root / rel, bytes);
    ++n;
  };
  for (int i = 1; i <= 12 * scale; ++i) {
    const std::string stem = "img" + std::to_string(i);
    put(stem + (i % 2 ? ".jpg" : ".png"), i % 2 ? jpeg_bytes(i) : png_bytes(i));
    if (i % 4 != 0) put(stem + ".txt", "1girl, solo, long hair, smile, looking at viewer");
  }
  put("shoot/portrait.jpg", jpeg_bytes(100));
  put("shoot/portrait.caption", "A woman with short brown hair smiles at the camera in soft light.");
  put("shoot/portrait.jpg.json", "{\"source\": \"example\"}");
  put("shoot/deep/inner.png", png_bytes(7));
  put("dance.gif", gif_bytes(4));
  put("dance.txt", "1girl, dancing, animated");
  put("dance_f1.png", png_bytes(201));
  put("dance_f2.png", png_bytes(202));
  put("still.gif", gif_bytes(1));
  put("still.txt", "no humans, scenery");
  put("wave.webp", webp_bytes(true));
  put("loop.apng", apng_bytes());
  put("clip.mp4", mp4_bytes());
  put("clip_f1.png", png_bytes(301));
  put("clip.webm", webm_bytes());
  put("old.avi", avi_bytes());
  put("photo.avif", avif_bytes());
  put("phone.heic", heif_bytes());
  put("new.jxl", jxl_bytes());
  put("paint.bmp", bmp_bytes());
  put("readme.md", "# notes\n");
  put("orphan.txt", "1girl, solo");
  put("empty.png", "");
  put("cut.jpg", jpeg_bytes(5).substr(0, 20));
  put("page.jpg", "<html><body>404 Not Found</body></html>");
  put("really_a_jpeg.png", jpeg_bytes(9));
  if (awkward_names) {
    put("with space.png", png_bytes(11));
    put("with space.txt", "1girl");
    put("ünïcödé 画像.jpg", jpeg_bytes(12));
    put("-leading-dash.png", png_bytes(13));
    put("new\nline.png", png_bytes(14));
    put(std::string("bad\xff\xfeutf8.jpg"), jpeg_bytes(15));
  }
  return n;
}

}  // namespace tagforge::testing
