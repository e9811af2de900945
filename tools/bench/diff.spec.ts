import { expectedFound, parsePtTableSync, plantedDifferences } from './diff';

describe('bench diff section helpers', () => {
  it('plants 10 distinct differences spread over the keys', () => {
    const planted = plantedDifferences(1_000_000);
    const ids = [...planted.extra, ...planted.missing, ...planted.different.map((d) => d.id)];
    expect(new Set(ids.map(String)).size).toBe(10);
    expect(ids.every((id) => id >= 1n && id <= 1_000_000n)).toBe(true);
    expect(ids.map(Number)).toEqual([50_000, 150_000, 250_000, 350_000, 450_000, 550_000, 650_000, 750_000, 850_000, 950_000]);
    expect(expectedFound(planted).different).toEqual(['750000:note', '950000:paid', '650000:amount', '850000:created_at']);
  });

  it("reads back the rows pt-table-sync --print names (its real output's form)", () => {
    const tail = ' /*percona-toolkit src_db:a src_tbl:t dst_db:b dst_tbl:t lock:0 transaction:1*/;';
    const out = [
      "DELETE FROM `b`.`t` WHERE `id`='50000' LIMIT 1" + tail,
      "INSERT INTO `b`.`t`(`id`, `note`) VALUES ('350000', 'it''s')" + tail,
      "UPDATE `b`.`t` SET `customer`='7', `note`='x' WHERE `id`='650000' LIMIT 1" + tail,
      "REPLACE INTO `b`.`t`(`id`, `note`) VALUES ('950000', NULL)" + tail,
      'Command exited with non-zero status 2',
      'DBFERRY_CPU 1.20 0.30',
    ].join('\n');
    expect(parsePtTableSync(out)).toEqual({ missing: ['350000'], extra: ['50000'], different: ['650000', '950000'] });
  });
});
