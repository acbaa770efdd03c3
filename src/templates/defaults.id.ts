// Indonesian default texts. WhatsApp bodies use only guaranteed variables: a Meta template
// has a fixed number of parameters and they may not be empty.
import type { EventTexts, PrivateTexts } from './texts.types.js';

const AUTO = 'Pesan ini dikirim otomatis oleh Kabar untuk {{centre.name}}.';

// Private previews (src/templates/private.ts): what SMS and push say of a clinical event
// when the tenant asks for lock-screen-safe texts. Nothing about the patient's care.
export const PRIVATE_TEXTS_ID: PrivateTexts = {
  sms: 'Anda memiliki pesan baru dari {{tenant.name}}{{#centre.name}} ({{centre.name}}){{/centre.name}}. Buka WhatsApp atau email Anda untuk membacanya.',
  push: {
    title: '{{tenant.name}}',
    body: 'Anda memiliki pesan baru dari {{tenant.name}}{{#centre.name}} ({{centre.name}}){{/centre.name}}. Buka WhatsApp atau email Anda untuk membacanya.',
  },
};

export const TEXTS_ID: Readonly<Record<string, EventTexts>> = {
  'appointment.confirmed': {
    email: {
      subject: 'Janji temu Anda terkonfirmasi – {{appointment.bookingReference}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Janji temu Anda telah terkonfirmasi dengan rincian sebagai berikut:

Dokter: {{doctor.name}}
Tanggal: {{appointment.slotDate}}
Pukul: {{appointment.slotTime}}
Kode booking: {{appointment.bookingReference}}
{{#financial.amount}}
Biaya: {{financial.amount}}{{#financial.paymentStatus}} ({{financial.paymentStatus}}){{/financial.paymentStatus}}
{{/financial.amount}}

Kami menantikan kedatangan Anda{{#centre.phone}}. Jika ada pertanyaan, silakan hubungi kami di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, janji temu Anda dengan {{doctor.name}} di {{centre.name}} telah terkonfirmasi pada {{appointment.slotDate}} pukul {{appointment.slotTime}}.
Kode booking: {{appointment.bookingReference}}.
Kami menantikan kedatangan Anda.`,
    sms: '{{centre.name}}: Janji temu Anda dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} telah terkonfirmasi. Kode booking {{appointment.bookingReference}}.',
    push: {
      title: 'Janji temu terkonfirmasi',
      body: '{{doctor.name}}, {{appointment.slotDate}} pukul {{appointment.slotTime}}.',
    },
  },

  'appointment.pending_approval': {
    email: {
      subject: 'Permintaan janji temu diterima – {{appointment.bookingReference}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Permintaan janji temu Anda telah kami terima dan sedang menunggu persetujuan dokter atau petugas kami.

Dokter: {{doctor.name}}
Tanggal: {{appointment.slotDate}}
Pukul: {{appointment.slotTime}}
Kode booking: {{appointment.bookingReference}}

Kami akan segera mengabari Anda setelah permintaan ini ditinjau.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, permintaan janji temu Anda dengan {{doctor.name}} di {{centre.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}) telah kami terima.
Permintaan ini sedang menunggu persetujuan. Kami akan segera mengabari Anda.`,
    sms: '{{centre.name}}: Permintaan janji temu dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode {{appointment.bookingReference}}) sedang menunggu persetujuan.',
    push: {
      title: 'Permintaan janji temu diterima',
      body: 'Permintaan Anda untuk {{appointment.slotDate}} pukul {{appointment.slotTime}} sedang menunggu persetujuan.',
    },
  },

  'appointment.rejected': {
    email: {
      subject: 'Permintaan janji temu tidak dapat disetujui – {{appointment.bookingReference}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Mohon maaf, permintaan janji temu Anda dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}) tidak dapat kami setujui.
{{#reason}}

Alasan: {{reason}}
{{/reason}}

Silakan memilih jadwal lain atau menghubungi kami{{#centre.phone}} di {{centre.phone}}{{/centre.phone}}. Kami dengan senang hati akan membantu Anda.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, mohon maaf, permintaan janji temu Anda dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}) tidak dapat disetujui.
Silakan memilih jadwal lain atau menghubungi {{centre.name}}.`,
    sms: '{{centre.name}}: Mohon maaf, permintaan janji temu dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode {{appointment.bookingReference}}) tidak dapat disetujui. Silakan pilih jadwal lain.',
    push: {
      title: 'Permintaan janji temu tidak disetujui',
      body: 'Permintaan Anda untuk {{appointment.slotDate}} pukul {{appointment.slotTime}} tidak dapat disetujui. Silakan pilih jadwal lain.',
    },
  },

  'appointment.cancelled': {
    email: {
      subject: 'Janji temu dibatalkan – {{appointment.bookingReference}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Janji temu Anda telah dibatalkan.

Dokter: {{doctor.name}}
Tanggal: {{appointment.slotDate}}
Pukul: {{appointment.slotTime}}
Kode booking: {{appointment.bookingReference}}
Dibatalkan oleh: {{cancelledBy}}
{{#reason}}
Alasan: {{reason}}
{{/reason}}
{{#financial.amount}}
Biaya: {{financial.amount}}{{#financial.paymentStatus}} ({{financial.paymentStatus}}){{/financial.paymentStatus}}
{{/financial.amount}}

Anda dapat membuat janji temu baru kapan saja{{#centre.phone}} atau menghubungi kami di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, janji temu Anda dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}) telah dibatalkan.
Anda dapat membuat janji temu baru di {{centre.name}} kapan saja.`,
    sms: '{{centre.name}}: Janji temu Anda dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode {{appointment.bookingReference}}) telah dibatalkan.',
    push: {
      title: 'Janji temu dibatalkan',
      body: 'Janji temu Anda pada {{appointment.slotDate}} pukul {{appointment.slotTime}} telah dibatalkan.',
    },
  },

  'appointment.rescheduled': {
    email: {
      subject: 'Jadwal janji temu diubah – {{appointment.bookingReference}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Jadwal janji temu Anda dengan {{doctor.name}} telah diubah.

Tanggal baru: {{appointment.slotDate}}
Pukul: {{appointment.slotTime}}
Jadwal sebelumnya: {{previousSlotDate}} pukul {{previousSlotTime}}
Kode booking: {{appointment.bookingReference}}

Apabila jadwal baru ini kurang sesuai, silakan hubungi kami{{#centre.phone}} di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, jadwal janji temu Anda dengan {{doctor.name}} di {{centre.name}} telah diubah menjadi {{appointment.slotDate}} pukul {{appointment.slotTime}} (sebelumnya {{previousSlotDate}} pukul {{previousSlotTime}}).
Kode booking: {{appointment.bookingReference}}.`,
    sms: '{{centre.name}}: Jadwal janji temu Anda dengan {{doctor.name}} diubah menjadi {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode {{appointment.bookingReference}}).',
    push: {
      title: 'Jadwal janji temu diubah',
      body: 'Jadwal baru: {{appointment.slotDate}} pukul {{appointment.slotTime}}.',
    },
  },

  'appointment.completed': {
    email: {
      subject: 'Terima kasih atas kunjungan Anda – {{centre.name}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Terima kasih telah berkunjung ke {{centre.name}}. Konsultasi Anda dengan {{doctor.name}} pada {{appointment.slotDate}} (kode booking {{appointment.bookingReference}}) telah selesai.

Jika ada pertanyaan mengenai perawatan Anda, silakan hubungi kami{{#centre.phone}} di {{centre.phone}}{{/centre.phone}}.

Semoga Anda selalu sehat.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, terima kasih atas kunjungan Anda ke {{centre.name}}. Konsultasi Anda dengan {{doctor.name}} (kode booking {{appointment.bookingReference}}) telah selesai.
Semoga Anda selalu sehat.`,
    sms: '{{centre.name}}: Terima kasih atas kunjungan Anda. Konsultasi dengan {{doctor.name}} telah selesai. Semoga Anda selalu sehat.',
    push: { title: 'Terima kasih atas kunjungan Anda', body: 'Konsultasi Anda dengan {{doctor.name}} telah selesai.' },
  },

  'appointment.no_show': {
    email: {
      subject: 'Janji temu terlewat – {{appointment.bookingReference}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Kami mencatat bahwa Anda tidak hadir pada janji temu dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}).

Jika Anda masih memerlukan konsultasi, silakan membuat janji temu baru{{#centre.phone}} atau menghubungi kami di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, kami mencatat bahwa Anda tidak hadir pada janji temu dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}).
Jika masih memerlukan konsultasi, silakan membuat janji temu baru di {{centre.name}}.`,
    sms: '{{centre.name}}: Anda tercatat tidak hadir pada janji temu dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}}. Silakan buat janji temu baru bila masih diperlukan.',
    push: {
      title: 'Janji temu terlewat',
      body: 'Anda tidak hadir pada {{appointment.slotDate}} pukul {{appointment.slotTime}}. Silakan buat janji temu baru bila masih diperlukan.',
    },
  },

  'appointment.reminder': {
    email: {
      subject: 'Pengingat janji temu: {{appointment.slotDate}} pukul {{appointment.slotTime}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Kami ingin mengingatkan bahwa janji temu Anda akan berlangsung {{reminder.offset}} lagi.

Dokter: {{doctor.name}}
Tanggal: {{appointment.slotDate}}
Pukul: {{appointment.slotTime}}
Kode booking: {{appointment.bookingReference}}

Mohon datang lebih awal{{#centre.phone}}. Jika berhalangan hadir, silakan kabari kami di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, kami ingin mengingatkan bahwa janji temu Anda dengan {{doctor.name}} di {{centre.name}} akan berlangsung {{reminder.offset}} lagi, pada {{appointment.slotDate}} pukul {{appointment.slotTime}}.
Kode booking: {{appointment.bookingReference}}.`,
    sms: 'Pengingat dari {{centre.name}}: Anda memiliki janji temu dengan {{doctor.name}} pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode {{appointment.bookingReference}}).',
    push: {
      title: 'Pengingat janji temu',
      body: 'Janji temu Anda dengan {{doctor.name}} akan berlangsung {{reminder.offset}} lagi, pukul {{appointment.slotTime}}.',
    },
  },

  'walkin.token_called': {
    email: {
      subject: 'Nomor antrean {{walkIn.tokenNumber}} telah dipanggil',
      body: `Yth. Bapak/Ibu {{patient.name}},

Nomor antrean Anda {{walkIn.tokenNumber}} ({{walkIn.queueName}}) telah dipanggil. Silakan segera menuju {{walkIn.room}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, nomor antrean Anda {{walkIn.tokenNumber}} ({{walkIn.queueName}}) di {{centre.name}} telah dipanggil.
Silakan segera menuju {{walkIn.room}}.`,
    sms: '{{centre.name}}: Nomor antrean {{walkIn.tokenNumber}} telah dipanggil. Silakan segera menuju {{walkIn.room}}.',
    push: {
      title: 'Nomor antrean Anda dipanggil',
      body: 'Nomor {{walkIn.tokenNumber}}: silakan segera menuju {{walkIn.room}}.',
    },
  },

  'walkin.approaching_turn': {
    email: {
      subject: 'Giliran Anda segera tiba – nomor {{walkIn.tokenNumber}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Giliran Anda segera tiba. Nomor antrean Anda {{walkIn.tokenNumber}} ({{walkIn.queueName}}) saat ini berada di urutan ke-{{walkIn.position}}.

Mohon tetap berada di sekitar ruang tunggu.
{{#walkIn.room}}
Ruangan: {{walkIn.room}}
{{/walkIn.room}}

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, giliran Anda di {{centre.name}} segera tiba. Nomor antrean {{walkIn.tokenNumber}} saat ini berada di urutan ke-{{walkIn.position}} pada antrean {{walkIn.queueName}}.
Mohon tetap berada di sekitar ruang tunggu.`,
    sms: '{{centre.name}}: Giliran Anda segera tiba. Nomor {{walkIn.tokenNumber}} kini di urutan ke-{{walkIn.position}}. Mohon tetap berada di sekitar ruang tunggu.',
    push: {
      title: 'Giliran Anda segera tiba',
      body: 'Nomor {{walkIn.tokenNumber}} kini di urutan ke-{{walkIn.position}}. Mohon tetap di sekitar ruang tunggu.',
    },
  },

  'prescription.ready': {
    email: {
      subject: 'Resep Anda nomor {{prescription.number}} sudah siap',
      body: `Yth. Bapak/Ibu {{patient.name}},

Resep Anda dengan nomor {{prescription.number}}{{#doctor.name}} dari {{doctor.name}}{{/doctor.name}} sudah siap.
{{#prescription.paymentInstructions}}

Pembayaran: {{prescription.paymentInstructions}}
{{/prescription.paymentInstructions}}
{{#prescription.pickupInstructions}}

Pengambilan obat: {{prescription.pickupInstructions}}
{{/prescription.pickupInstructions}}

Jika ada pertanyaan, silakan hubungi bagian farmasi kami{{#centre.phone}} di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, resep Anda dengan nomor {{prescription.number}} sudah siap di {{centre.name}}.
Petugas farmasi kami akan membantu proses pembayaran dan pengambilan obat Anda.`,
    sms: '{{centre.name}}: Resep Anda nomor {{prescription.number}} sudah siap.{{#prescription.pickupInstructions}} Pengambilan: {{prescription.pickupInstructions}}{{/prescription.pickupInstructions}}',
    push: {
      title: 'Resep sudah siap',
      body: 'Resep Anda nomor {{prescription.number}} sudah siap di {{centre.name}}.',
    },
  },

  'report.ready': {
    email: {
      subject: 'Hasil pemeriksaan Anda sudah tersedia: {{report.name}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Hasil pemeriksaan Anda telah diverifikasi dan kini sudah tersedia: {{report.name}}.
{{#doctor.name}}

Silakan konsultasikan hasil tersebut dengan {{doctor.name}} pada kunjungan berikutnya.
{{/doctor.name}}

Jika ada pertanyaan, silakan hubungi kami{{#centre.phone}} di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, hasil pemeriksaan Anda ({{report.name}}) dari {{centre.name}} telah diverifikasi dan kini sudah tersedia.
Jika ada pertanyaan mengenai hasilnya, silakan hubungi kami.`,
    sms: '{{centre.name}}: Hasil pemeriksaan Anda ({{report.name}}) telah diverifikasi dan kini sudah tersedia.',
    push: {
      title: 'Hasil pemeriksaan tersedia',
      body: 'Hasil pemeriksaan Anda ({{report.name}}) kini sudah tersedia.',
    },
  },

  'doctor.emergency_leave': {
    email: {
      subject: 'Penting: janji temu Anda pada {{appointment.slotDate}} tidak dapat berlangsung',
      body: `Yth. Bapak/Ibu {{patient.name}},

Dengan menyesal kami sampaikan bahwa {{doctor.name}} sedang cuti darurat mulai {{leave.from}}{{#leave.until}} hingga {{leave.until}}{{/leave.until}}. Oleh karena itu, janji temu Anda pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}) tidak dapat berlangsung.

Jumlah pengembalian dana: {{refund.amount}}
Atur ulang jadwal: {{rescheduleUrl}}

Kami mohon maaf atas ketidaknyamanan ini. Jika memerlukan bantuan, silakan hubungi kami{{#centre.phone}} di {{centre.phone}}{{/centre.phone}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, dengan menyesal kami sampaikan bahwa {{doctor.name}} di {{centre.name}} sedang cuti darurat, sehingga janji temu Anda pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}) tidak dapat berlangsung.
Jumlah pengembalian dana: {{refund.amount}}
Atur ulang jadwal: {{rescheduleUrl}}
Kami mohon maaf atas ketidaknyamanan ini.`,
    sms: '{{centre.name}}: {{doctor.name}} cuti darurat; janji temu Anda pada {{appointment.slotDate}} pukul {{appointment.slotTime}} tidak dapat berlangsung. Dana kembali: {{refund.amount}}. Jadwal ulang: {{rescheduleUrl}}',
    push: {
      title: 'Janji temu Anda tidak dapat berlangsung',
      body: '{{doctor.name}} sedang cuti darurat. Silakan pilih jadwal baru untuk janji temu Anda pada {{appointment.slotDate}}.',
    },
  },

  'patient.registered': {
    email: {
      subject: 'Selamat datang di {{centre.name}}',
      body: `Yth. Bapak/Ibu {{patient.name}},

Terima kasih telah mendaftar di {{centre.name}}. Pendaftaran Anda untuk layanan {{clinicService}} telah berhasil.
{{#appointment.bookingReference}}

Janji temu Anda{{#doctor.name}} dengan {{doctor.name}}{{/doctor.name}} dijadwalkan pada {{appointment.slotDate}} pukul {{appointment.slotTime}} (kode booking {{appointment.bookingReference}}).
{{/appointment.bookingReference}}

Jika ada pertanyaan, silakan hubungi kami: {{hospitalContact}}.

Hormat kami,
{{centre.name}}`,
    },
    whatsapp: `Halo Bapak/Ibu {{patient.name}}, selamat datang di {{centre.name}}. Pendaftaran Anda untuk layanan {{clinicService}} telah berhasil.
Jika ada pertanyaan, silakan hubungi kami: {{hospitalContact}}.`,
    sms: '{{centre.name}}: Pendaftaran Anda untuk layanan {{clinicService}} telah berhasil. Informasi: {{hospitalContact}}',
    push: {
      title: 'Pendaftaran berhasil',
      body: 'Selamat datang di {{centre.name}}. Pendaftaran Anda untuk layanan {{clinicService}} telah berhasil.',
    },
  },

  'credit.purchase_status': {
    email: {
      subject: 'Pembelian kredit WhatsApp: {{purchase.status}}',
      body: `Yth. Admin{{#tenant.name}} {{tenant.name}}{{/tenant.name}},

Status pembelian kredit WhatsApp Anda sebesar {{purchase.amount}} kini: {{purchase.status}}.
{{#purchase.reference}}
Referensi: {{purchase.reference}}
{{/purchase.reference}}
{{#purchase.failureReason}}
Keterangan: {{purchase.failureReason}}
{{/purchase.failureReason}}

Saldo kredit dapat Anda pantau melalui dasbor Kabar.

Salam,
Tim Kabar`,
    },
    whatsapp: `Halo Admin, status pembelian kredit WhatsApp Anda sebesar {{purchase.amount}} kini: {{purchase.status}}.
Saldo kredit dapat Anda pantau melalui dasbor Kabar.`,
    sms: 'Kabar: Status pembelian kredit WhatsApp sebesar {{purchase.amount}} kini: {{purchase.status}}.',
    push: {
      title: 'Pembelian kredit WhatsApp',
      body: 'Pembelian sebesar {{purchase.amount}} kini: {{purchase.status}}.',
    },
  },

  'billing.bill_generated': {
    email: {
      subject: 'Tagihan baru {{bill.number}} – {{bill.amount}}',
      body: `Halo,

Tagihan baru telah dibuat di {{centre.name}}.

Nomor tagihan: {{bill.number}}
Jumlah: {{bill.amount}}
{{#patient.name}}
Pasien: {{patient.name}}
{{/patient.name}}

${AUTO}`,
    },
    whatsapp: 'Tagihan baru ({{bill.number}}) sebesar {{bill.amount}} telah dibuat di {{centre.name}}.',
    sms: '{{centre.name}}: Tagihan baru {{bill.number}} sebesar {{bill.amount}}{{#patient.name}} a.n. {{patient.name}}{{/patient.name}}.',
    push: {
      title: 'Tagihan baru',
      body: 'Tagihan {{bill.number}} sebesar {{bill.amount}}{{#patient.name}} a.n. {{patient.name}}{{/patient.name}}.',
    },
  },

  'billing.refund_processed': {
    email: {
      subject: 'Pengembalian dana diproses – {{refund.amount}}',
      body: `Halo,

Pengembalian dana telah diproses di {{centre.name}}.

Jumlah: {{refund.amount}}
{{#patient.name}}
Pasien: {{patient.name}}
{{/patient.name}}
{{#refund.reason}}
Alasan: {{refund.reason}}
{{/refund.reason}}

${AUTO}`,
    },
    whatsapp: 'Pengembalian dana sebesar {{refund.amount}} telah diproses di {{centre.name}}.',
    sms: '{{centre.name}}: Pengembalian dana sebesar {{refund.amount}} telah diproses{{#patient.name}} a.n. {{patient.name}}{{/patient.name}}.',
    push: { title: 'Pengembalian dana diproses', body: 'Pengembalian dana sebesar {{refund.amount}} telah diproses.' },
  },

  'billing.deposit_received': {
    email: {
      subject: 'Deposit diterima – {{deposit.amount}}',
      body: `Halo,

Deposit telah diterima di {{centre.name}}.

Jumlah: {{deposit.amount}}
{{#patient.name}}
Pasien: {{patient.name}}
{{/patient.name}}

${AUTO}`,
    },
    whatsapp: 'Deposit sebesar {{deposit.amount}} telah diterima di {{centre.name}}.',
    sms: '{{centre.name}}: Deposit sebesar {{deposit.amount}} telah diterima{{#patient.name}} a.n. {{patient.name}}{{/patient.name}}.',
    push: { title: 'Deposit diterima', body: 'Deposit sebesar {{deposit.amount}} telah diterima.' },
  },

  'package.purchased': {
    email: {
      subject: 'Pembelian paket: {{package.name}}',
      body: `Halo,

Pasien {{patient.name}} telah membeli paket {{package.name}} di {{centre.name}}.
{{#package.remainingUses}}
Kuota pemakaian: {{package.remainingUses}} kali
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'Paket {{package.name}} telah dibeli oleh pasien {{patient.name}} di {{centre.name}}.',
    sms: '{{centre.name}}: Pasien {{patient.name}} telah membeli paket {{package.name}}.',
    push: { title: 'Pembelian paket', body: 'Pasien {{patient.name}} telah membeli paket {{package.name}}.' },
  },

  'package.redeemed': {
    email: {
      subject: 'Pemakaian paket: {{package.name}}',
      body: `Halo,

Pasien {{patient.name}} telah menggunakan paket {{package.name}} di {{centre.name}}.
{{#package.remainingUses}}
Sisa kuota: {{package.remainingUses}} kali
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'Paket {{package.name}} milik pasien {{patient.name}} telah digunakan di {{centre.name}}.',
    sms: '{{centre.name}}: Pasien {{patient.name}} telah menggunakan paket {{package.name}}{{#package.remainingUses}}, sisa {{package.remainingUses}} kali{{/package.remainingUses}}.',
    push: { title: 'Pemakaian paket', body: 'Pasien {{patient.name}} telah menggunakan paket {{package.name}}.' },
  },

  'package.expired': {
    email: {
      subject: 'Paket kedaluwarsa: {{package.name}}',
      body: `Halo,

Paket {{package.name}} milik pasien {{patient.name}} di {{centre.name}} telah kedaluwarsa.
{{#package.remainingUses}}
Kuota yang tidak terpakai: {{package.remainingUses}} kali
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'Paket {{package.name}} milik pasien {{patient.name}} di {{centre.name}} telah kedaluwarsa.',
    sms: '{{centre.name}}: Paket {{package.name}} milik pasien {{patient.name}} telah kedaluwarsa.',
    push: {
      title: 'Paket kedaluwarsa',
      body: 'Paket {{package.name}} milik pasien {{patient.name}} telah kedaluwarsa.',
    },
  },

  'package.exhausted': {
    email: {
      subject: 'Kuota paket habis: {{package.name}}',
      body: `Halo,

Kuota paket {{package.name}} milik pasien {{patient.name}} di {{centre.name}} telah habis digunakan.

${AUTO}`,
    },
    whatsapp: 'Kuota paket {{package.name}} milik pasien {{patient.name}} di {{centre.name}} telah habis digunakan.',
    sms: '{{centre.name}}: Kuota paket {{package.name}} milik pasien {{patient.name}} telah habis.',
    push: {
      title: 'Kuota paket habis',
      body: 'Kuota paket {{package.name}} milik pasien {{patient.name}} telah habis.',
    },
  },

  'lab.test_requested': {
    email: {
      subject: 'Permintaan pemeriksaan lab: {{test.name}}{{#test.priority}} ({{test.priority}}){{/test.priority}}',
      body: `Halo,

Ada permintaan pemeriksaan laboratorium baru di {{centre.name}}.

Pemeriksaan: {{test.name}}
Pasien: {{patient.name}}
{{#test.priority}}
Prioritas: {{test.priority}}
{{/test.priority}}
{{#doctor.name}}
Dokter pengirim: {{doctor.name}}
{{/doctor.name}}

${AUTO}`,
    },
    whatsapp: 'Permintaan pemeriksaan lab baru di {{centre.name}}: {{test.name}} untuk pasien {{patient.name}}.',
    sms: '{{centre.name}}: Permintaan lab {{test.name}} untuk pasien {{patient.name}}{{#test.priority}}, prioritas {{test.priority}}{{/test.priority}}.',
    push: {
      title: 'Permintaan pemeriksaan lab',
      body: '{{test.name}} untuk pasien {{patient.name}}{{#test.priority}} ({{test.priority}}){{/test.priority}}.',
    },
  },

  'credit.insufficient': {
    email: {
      subject: 'Kredit WhatsApp tidak mencukupi – pesan tidak terkirim',
      body: `Yth. Admin{{#tenant.name}} {{tenant.name}}{{/tenant.name}},

Sebuah pesan WhatsApp tidak dapat dikirim karena saldo kredit WhatsApp Anda tidak mencukupi.

Saldo saat ini: {{credit.balance}}
Biaya pesan: {{credit.required}}

Mohon segera lakukan isi ulang kredit agar pasien tetap menerima pesan WhatsApp. Pesan melalui kanal lain tidak terpengaruh.

Salam,
Tim Kabar`,
    },
    whatsapp: `Saldo kredit WhatsApp Anda tidak mencukupi (saldo {{credit.balance}}, biaya pesan {{credit.required}}).
Mohon segera lakukan isi ulang agar pasien tetap menerima pesan WhatsApp.`,
    sms: 'Kabar: Kredit WhatsApp tidak mencukupi (saldo {{credit.balance}}, dibutuhkan {{credit.required}}). Mohon segera isi ulang.',
    push: {
      title: 'Kredit WhatsApp tidak mencukupi',
      body: 'Saldo {{credit.balance}}. Mohon isi ulang agar pesan WhatsApp tetap terkirim.',
    },
  },

  'whatsapp.template_status': {
    email: {
      subject: 'Template WhatsApp {{template.name}} ({{template.language}}): {{template.status}}',
      body: `Halo{{#tenant.name}} tim {{tenant.name}}{{/tenant.name}},

Meta mengubah keputusannya atas template WhatsApp Anda {{template.name}} ({{template.language}}).

Status: {{template.status}}
{{#template.reason}}
Alasan: {{template.reason}}
{{/template.reason}}
{{#template.category}}
Kategori: {{template.category}}
{{/template.category}}

Selama template ditolak, dijeda, atau dinonaktifkan, Kabar tidak mengirimkannya (dan tidak menagihnya); kanal cadangan dipakai bila Anda mengaturnya. Kategori baru mengubah biaya pesan berikutnya.

Salam,
Tim Kabar`,
    },
    whatsapp:
      'Meta mengubah keputusannya atas template WhatsApp {{template.name}} ({{template.language}}): kini berstatus {{template.status}}. Rinciannya ada di email Anda dan di Kabar.',
    sms: 'Kabar: template WhatsApp {{template.name}} ({{template.language}}) kini berstatus {{template.status}}.',
    push: {
      title: 'Template WhatsApp {{template.status}}',
      body: '{{template.name}} ({{template.language}}){{#template.category}}, kategori {{template.category}}{{/template.category}}.',
    },
  },
};
