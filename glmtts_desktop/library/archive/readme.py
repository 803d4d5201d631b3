"""The plain README inside every archive, in English and Chinese.

Why: the archive must be usable in twenty years without this app; the README says what each
folder holds and how to check it, in words a family member can follow.
"""

from __future__ import annotations

README_NAME = "README.txt"

README = """\
GLM-TTS Desktop voice archive
=============================

This folder is a BagIt archive (RFC 8493): a plain folder of files with checksums, made by
GLM-TTS Desktop {app_version} on {date}. You do not need the app to use it.

What is inside (under data/):
  voices/<id>/voice.json      who the voice is, what the reference clip says, the consent
                              record (who agreed, when, how, for what use)
  voices/<id>/original/       the ORIGINAL recordings exactly as they were imported (real
                              audio, byte for byte)
  voices/<id>/reference.wav   the part of the original used as the voice reference: the
                              voice's default clip (real audio)
  voices/<id>/transcript.txt  what the reference clip says
  voices/<id>/clips/          more reference clips of the same voice (real audio), each
                              <id>.wav with its transcript in <id>.txt
  voices/<id>/photo.*         a photo of the speaker (PNG, JPEG or WebP), if one was chosen
  voices/<id>/consent/        consent evidence (a recorded consent clip or a scanned letter)
  clips/                      references of voices that were never saved (real audio)
  generations/<id>.wav        AI-GENERATED SPEECH (synthetic, not a real recording), with
  generations/<id>.json       a description: text, voice, seed and every setting
  archive.json                an index of all of the above

Real recordings and AI-generated speech are kept in separate folders; every generated file
also says "AI-generated speech" inside its tags.

To check that nothing changed: compare each file with its sha256 in manifest-sha256.txt
(for example with "sha256sum -c manifest-sha256.txt" from this folder, or the "bagit" tool).
To bring it back into GLM-TTS Desktop: "glmtts-desktop archive import <this folder or zip>".

GLM-TTS Desktop 声音档案
=======================

这是一个 BagIt 档案（RFC 8493）：普通的文件夹，附有校验和，由 GLM-TTS Desktop {app_version}
于 {date} 生成。不需要本软件也能使用。

内容（在 data/ 下）：
  voices/<id>/voice.json      声音是谁、参考录音说了什么、授权记录（谁同意、何时、如何、用途）
  voices/<id>/original/       导入时的原始录音，逐字节保存（真实录音）
  voices/<id>/reference.wav   从原始录音中选取的参考片段，即该声音的默认录音（真实录音）
  voices/<id>/transcript.txt  参考片段的文字内容
  voices/<id>/clips/          同一声音的其他参考录音（真实录音），每段为 <id>.wav，
                              文字内容在 <id>.txt
  voices/<id>/photo.*         说话人的照片（PNG、JPEG 或 WebP），如果选了照片
  voices/<id>/consent/        授权证明（录音或扫描的信件）
  clips/                      未保存声音的参考录音（真实录音）
  generations/<id>.wav        AI 生成的语音（合成，不是真实录音），以及
  generations/<id>.json       说明：文字、声音、随机种子和全部设置
  archive.json                以上所有内容的索引

真实录音与 AI 生成的语音分开存放；每个生成的文件在标签中也注明“AI 生成的语音”。

检查是否有改动：用 manifest-sha256.txt 中的 sha256 核对每个文件
（例如在此文件夹中运行 "sha256sum -c manifest-sha256.txt"）。
导回 GLM-TTS Desktop："glmtts-desktop archive import <此文件夹或 zip>"。
"""


def readme_text(app_version: str, date: str) -> str:
    return README.format(app_version=app_version, date=date)
