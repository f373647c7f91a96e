import { crc32, deflateRawSync } from 'node:zlib';
import { strToU8, zipSync, type Zippable } from 'fflate';

/**
 * Real documents, made in the test: a PDF written object by object (its cross-reference table counted in bytes),
 * and DOCX, XLSX and PPTX as the zips of XML that they are. Each holds only the parts its readers require.
 */

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`;
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A one-page PDF showing `lines` (ASCII: the standard Helvetica font has no CJK glyphs) one under another.
 * `encrypted`: its trailer names a standard security handler whose user password is not empty, as a
 * password-protected PDF's does, so no reader can open it without the password.
 */
export function pdfWith(lines: readonly string[], options: { encrypted?: boolean } = {}): Buffer {
  return pdfOfPages([lines], options);
}

/** A PDF of one page per entry of `pages`, each showing its lines (as `pdfWith`). */
export function pdfOfPages(pages: readonly (readonly string[])[], options: { encrypted?: boolean } = {}): Buffer {
  const escapePdf = (text: string) => text.replace(/[\\()]/g, (char) => `\\${char}`);
  // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream for each page, then the encryption.
  const pageObjects = pages.flatMap((lines, i) => {
    const stream = ['BT', '/F1 12 Tf', '14 TL', '72 720 Td', ...lines.map((line) => `(${escapePdf(line)}) Tj T*`), 'ET'].join('\n');
    return [
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`,
      `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    ];
  });
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${4 + i * 2} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...pageObjects,
    ...(options.encrypted ? [`<< /Filter /Standard /V 1 /R 2 /O <${'8f'.repeat(32)}> /U <${'3a'.repeat(32)}> /P -44 >>`] : []),
  ];
  const encrypt = options.encrypted ? ` /Encrypt ${objects.length} 0 R /ID [<${'01'.repeat(16)}> <${'01'.repeat(16)}>]` : '';
  return pdfOfObjects(objects, encrypt);
}

/**
 * A one-page PDF of Chinese `lines` as Chinese PDFs often are: a Type0 font with Adobe's predefined `UniGB-UCS2-H`
 * encoding and no ToUnicode map, so a reader needs Adobe's character maps to get the text back.
 */
export function chinesePdfWith(lines: readonly string[]): Buffer {
  const ucs2 = (text: string) => [...text].map((char) => (char.codePointAt(0) ?? 0x3f).toString(16).padStart(4, '0')).join('');
  const stream = ['BT', '/F1 12 Tf', '14 TL', '72 720 Td', ...lines.map((line) => `<${ucs2(line)}> Tj T*`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>',
    '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>',
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> ' +
      '/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  return pdfOfObjects(objects);
}

/** A PDF of `objects` (1 the catalog), numbered in order, with its cross-reference table. */
function pdfOfObjects(objects: readonly string[], trailerExtra = ''): Buffer {
  const chunks: string[] = ['%PDF-1.4\n'];
  let length = chunks[0]!.length;
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(length);
    const chunk = `${index + 1} 0 obj\n${object}\nendobj\n`;
    chunks.push(chunk);
    length += Buffer.byteLength(chunk, 'latin1');
  });
  chunks.push(
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`,
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${trailerExtra} >>\nstartxref\n${length}\n%%EOF\n`,
  );
  return Buffer.from(chunks.join(''), 'latin1');
}

function officeZip(contentTypes: string, parts: Record<string, string>): Buffer {
  const files: Zippable = { '[Content_Types].xml': strToU8(xml(contentTypes)) };
  for (const [path, text] of Object.entries(parts)) files[path] = strToU8(text);
  return Buffer.from(zipSync(files));
}

const relationship = (id: string, type: string, target: string) =>
  `<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`;
const relationships = (...items: string[]) =>
  xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${items.join('')}</Relationships>`);

/** A Word document with one paragraph per entry of `paragraphs`. */
export function docxWith(paragraphs: readonly string[]): Buffer {
  const body = paragraphs.map((text) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`).join('');
  return officeZip(
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>',
    {
      '_rels/.rels': relationships(relationship('rId1', 'officeDocument', 'word/document.xml')),
      'word/document.xml': xml(
        `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
      ),
    },
  );
}

/** An Excel workbook: one sheet per entry, each a list of rows of strings and numbers (inline strings, no shared table). */
export function xlsxWith(sheets: Record<string, readonly (readonly (string | number)[])[]>): Buffer {
  const names = Object.keys(sheets);
  const column = (index: number) => String.fromCharCode(65 + index);
  const sheetXml = (rows: readonly (readonly (string | number)[])[]) =>
    xml(
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
        rows
          .map(
            (row, r) =>
              `<row r="${r + 1}">` +
              row
                .map((value, c) =>
                  typeof value === 'number'
                    ? `<c r="${column(c)}${r + 1}"><v>${value}</v></c>`
                    : `<c r="${column(c)}${r + 1}" t="inlineStr"><is><t>${escapeXml(value)}</t></is></c>`,
                )
                .join('') +
              '</row>',
          )
          .join('') +
        '</sheetData></worksheet>',
    );
  const parts: Record<string, string> = {
    '_rels/.rels': relationships(relationship('rId1', 'officeDocument', 'xl/workbook.xml')),
    'xl/workbook.xml': xml(
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>' +
        names.map((name, i) => `<sheet name="${escapeXml(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
        '</sheets></workbook>',
    ),
    'xl/_rels/workbook.xml.rels': relationships(...names.map((_, i) => relationship(`rId${i + 1}`, 'worksheet', `worksheets/sheet${i + 1}.xml`))),
  };
  names.forEach((name, i) => {
    parts[`xl/worksheets/sheet${i + 1}.xml`] = sheetXml(sheets[name]!);
  });
  return officeZip(
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      names
        .map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
        .join('') +
      '</Types>',
    parts,
  );
}

/** A PowerPoint deck: one slide per entry, each a list of paragraphs in one text box. */
export function pptxWith(slides: readonly (readonly string[])[]): Buffer {
  const parts: Record<string, string> = {
    '_rels/.rels': relationships(relationship('rId1', 'officeDocument', 'ppt/presentation.xml')),
    'ppt/presentation.xml': xml(
      '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst>' +
        slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('') +
        '</p:sldIdLst></p:presentation>',
    ),
  };
  slides.forEach((paragraphs, i) => {
    parts[`ppt/slides/slide${i + 1}.xml`] = xml(
      '<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">' +
        '<p:cSld><p:spTree><p:sp><p:txBody>' +
        paragraphs.map((text) => `<a:p><a:r><a:t>${escapeXml(text)}</a:t></a:r></a:p>`).join('') +
        '</p:txBody></p:sp></p:spTree></p:cSld></p:sld>',
    );
  });
  return officeZip(
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '</Types>',
    parts,
  );
}

/**
 * A zip bomb shaped like an Office file: a few KiB that inflate to `inflatedBytes` (zeros, in the part every
 * reader opens first), its headers claiming the true size. Deflated by Node's zlib (fflate takes seconds on
 * hundreds of MiB), in a zip written here: one entry, no data descriptor.
 */
export function zipBomb(part: string, inflatedBytes: number): Buffer {
  const zeros = Buffer.alloc(inflatedBytes);
  const data = deflateRawSync(zeros, { level: 9 });
  const name = Buffer.from(part, 'utf8');
  const crc = crc32(zeros);
  const fields = (header: Buffer, at: number) => {
    header.writeUInt16LE(20, at); // version needed
    header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
    header.writeUInt16LE(8, at + 4); // deflate
    header.writeUInt32LE(0, at + 6); // time and date
    header.writeUInt32LE(crc, at + 10);
    header.writeUInt32LE(data.length, at + 14);
    header.writeUInt32LE(inflatedBytes, at + 18);
    header.writeUInt16LE(name.length, at + 22);
  };
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  fields(local, 4);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  fields(central, 6);
  central.writeUInt32LE(0, 42); // the local header's offset
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/**
 * What a password-protected Word, Excel or PowerPoint file is on disk: not a zip but an OLE compound file (its
 * magic number, then a header), holding the encrypted package.
 */
export function encryptedOfficeFile(): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  header.write('EncryptionInfo', 80, 'utf16le');
  return header;
}
