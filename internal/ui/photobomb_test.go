package ui_test

import (
	"net/http"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos/phototest"
)

// TestShopFrontPhotoBomb: the shop-front photo goes through the photo
// budget like a report's: the 309 KB 16-bit PNG of 6300x6300,
// which decodes to 320 MB, is refused from its header with the dimensions
// message, and the form keeps what the merchant typed.
func TestShopFrontPhotoBomb(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000022", "merchant-pass", model.RoleMerchant, "")
	m := a.Browser()
	m.Login("13800000022", "merchant-pass")
	m.Get("/merchant/units/new")
	f := a.UnitForm("炸弹照片门店", goodUSCC)
	f.Set("_csrf", m.CSRF())
	bomb := phototest.PNG(phototest.PNGSpec{W: 6300, H: 6300, ColorType: phototest.RGBA, Depth: 16})
	m.PostMultipart("/merchant/units", f, apptest.File{Field: "shop_photo", Name: "shop.png", Data: bomb})
	m.Expect(http.StatusUnprocessableEntity, "尺寸过大", `value="炸弹照片门店"`)
}
