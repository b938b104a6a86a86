package sealimage

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteSamples writes sample impressions to $SEALIMAGE_SAMPLES, for looking at by eye.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("SEALIMAGE_SAMPLES")
	if dir == "" {
		t.Skip("set SEALIMAGE_SAMPLES to a directory to write sample seals into")
	}
	for file, s := range map[string]Spec{
		"official.png": {Name: "福建省市场监督管理局", Caption: "行政审批专用章", Code: "35000000012345"},
		"plain.png":    {Name: "福建省人民政府"},
		"contract.png": {Name: "福州市鼓楼区东街街道办事处", Caption: "合同专用章", Code: "3501020012345"},
		"long.png":     {Name: "福建省数字福建建设领导小组办公室（省数字办）", Caption: "专用章"},
		"invoice.png":  {Name: "福建易网科技有限公司", Caption: "发票专用章", Code: "91350100MA2XYZ1234", Shape: Oval},
		"finance.png":  {Name: "福建易网科技有限公司", Caption: "财务专用章", Shape: Oval},
		"small.png":    {Name: "福建省市场监督管理局", Caption: "行政审批专用章", Code: "35000000012345", SizePx: 160},
		"longest.png":  {Name: "福建省福州市鼓楼区人民政府东街街道办事处社区", Caption: "社会保障卡服务专用章", Code: "35010200123456"},
		"latin.png":    {Name: "YIWANG DIGITAL OFFICE", Caption: "TEST", Code: "12345678901234"},
	} {
		b, err := Render(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := render(Spec{Name: "福建省人民政府", Caption: "合同专用章", Code: "35000000012345"}, newFontSet())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nofont.png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
